#!/usr/bin/env python3
"""Writes testdata/unicode_echoes.json: secrets and the forms Python gives
them (str.upper, lower, title, casefold, swapcase; NFC, NFD, NFKC, NFKD; a
few of those combined; every character HTML-escaped by name where Python's
html.entities has one), whole and as pieces, and Python's full case mappings longer than one rune,
for view_echo_test.go and FuzzScrub.

Run from internal/redact: python3 gen/echoes.py
"""

import html.entities
import json
import random
import os
import sys
import unicodedata

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from viewtable import view  # noqa: E402

HAND = [
    # SpecialCasing's length-changing letters, and the probe's examples.
    "ᾶᾳ-ﬁ-և-ŉ-ǰ-İstanbul-ß-ﬀ-ΐ-ᾷ",
    "Crème-brûlée-café-naïve-Ångström",
    unicodedata.normalize("NFD", "Crème-brûlée-café-naïve-Ångström"),
    "ǅemal-ǈubljana-ǋ-ᾼ-ῼ-ﬃx",
    "비밀번호-한국어-secret-1234",
    "Ｆｕｌｌｗｉｄｔｈ-ＰＡＳＳ-１２３",
    "𐐨𐐩𐐪-deseret-𞤢𞤣-adlam",
    "ᏣᎳᎩ-ꮳꮃꭹ-cherokee",
    "ΣΊΣΥΦΟΣ-ὈΔΥΣΣΕΎΣ-σοφός",
    "tiếng-việt-đẹp-quá-ệự-ở",
    "İIıi-dotted-ǰǰ-ŉŉ",
]

# Letters whose forms differ, for the random secrets.
POOL = (
    "abcXYZ019-_.ßẞﬁﬂﬀﬃﬅŉǰΐΰևﬓﬔᾳᾼᾶᾷῳῼİıéèêëÉÈåÅñÑçÇǅǆǄǈǉǋǌ"
    "ΣσςΑαΩωὈὐẞöÖüÜäÄøæœŒÆ한국비밀ＡＢｃｄ１２ᏣꮳĳĲſKÅΩ"
    "\u0301\u0308\u0323\u0307"
)


def forms(s):
    nfd = unicodedata.normalize("NFD", s)
    named = "".join(
        "&%s;" % html.entities.codepoint2name[ord(c)] if ord(c) in html.entities.codepoint2name else c
        for c in s
    )
    return {
        "upper": s.upper(),
        "lower": s.lower(),
        "title": s.title(),
        "casefold": s.casefold(),
        "swapcase": s.swapcase(),
        "nfc": unicodedata.normalize("NFC", s),
        "nfd": nfd,
        "nfkc": unicodedata.normalize("NFKC", s),
        "nfkd": unicodedata.normalize("NFKD", s),
        "nfd-upper": unicodedata.normalize("NFD", s.upper()),
        "nfc-lower": unicodedata.normalize("NFC", s.lower()),
        "upper-nfkd": unicodedata.normalize("NFKD", s).upper(),
        "html-named": named,
    }


def pieces(s):
    """Pieces of s that read as at least 8 bytes (the view of a piece can
    be shorter than the piece: "İ" reads as "i") and neither start with a
    mark nor stop before one: a cut between a letter and its accent changes
    the letter, in the view as in a reader's eye."""
    out = []
    starts = [i for i, c in enumerate(s) if unicodedata.combining(c) == 0]
    for a in starts:
        b = a + 1
        while b <= len(s):
            if len(view(s[a:b]).encode()) >= 8 and (b == len(s) or unicodedata.combining(s[b]) == 0):
                out.append(s[a:b])
                break
            b += 1
    return out


def special():
    """Python's full case mappings that are not one rune long, for the
    fuzz test's own upper, lower and title casing."""
    out = {"upper": {}, "lower": {}, "title": {}}
    for cp in range(0x80, 0x110000):
        if 0xD800 <= cp < 0xE000:
            continue
        c = chr(cp)
        for name, m in (("upper", c.upper()), ("lower", c.lower()), ("title", c.title())):
            if len(m) != 1:
                out[name][c] = m
    return out


def main():
    rnd = random.Random(23)
    secrets = list(HAND)
    for _ in range(16):
        n = rnd.randint(6, 24)
        s = "".join(rnd.choice(POOL) for _ in range(n))
        # A secret does not start with a mark.
        secrets.append("k" + s)
    out = {"unicode": unicodedata.unidata_version, "secrets": [], "special": special()}
    for s in secrets:
        out["secrets"].append({
            "secret": s,
            "forms": forms(s),
            "pieces": [forms(p) | {"piece": p} for p in pieces(s)],
        })
    with open("testdata/unicode_echoes.json", "w") as f:
        json.dump(out, f, ensure_ascii=True, indent=0)
        f.write("\n")


if __name__ == "__main__":
    main()

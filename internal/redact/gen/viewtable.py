#!/usr/bin/env python3
"""Writes viewtable.go: what each rune reads as in the redactor's view.

Run from internal/redact (go generate does): python3 gen/viewtable.py

A rune reads as its full compatibility decomposition (NFKD) with every
letter's full case fold (of its lower case of its upper case) applied,
repeated until nothing changes: the one
string every upper-, lower-, title- or case-folded form of it, and its
NFC, NFD, NFKC and NFKD forms, read as too. Only the runes that read as
something other than themselves are listed; ASCII and the Hangul
syllables (composed by rule in Go) are left out. The combining class of
every mark and the canonical compositions are listed too: the view puts
marks in canonical order and composes what it read as NFC does, so that
it is about as long as the text it was read from.

Before writing, the script checks that property for every code point with
its own copy of the view (view() below, which must stay the Go view's
twin), and that the view of a view is itself.
"""

import sys
import unicodedata

HANGUL_FIRST, HANGUL_COUNT = 0xAC00, 11172
MAX_MARKS = 30  # a run of marks longer than this is not reordered further
DOT_ABOVE = "\u0307"


def reads_as(c):
    """What the single rune c reads as (before the rules across runes)."""
    s = unicodedata.normalize("NFKD", c)
    while True:
        # upper first: "ı" (dotless i) has no fold of its own, but its
        # upper case is "I".
        t = unicodedata.normalize("NFKD", s.upper().lower().casefold())
        if t == s:
            return s
        s = t


def view(s):
    """The Go view's rune rules: each rune read as reads_as says, a dot
    above right after i dropped, runs of marks sorted by combining class."""
    out = []  # runes
    run = 0  # marks at the end of out in the current run
    for c in s:
        for r in reads_as(c):
            if r == DOT_ABOVE and out and out[-1] == "i":
                continue
            ccc = unicodedata.combining(r)
            if ccc == 0 or run >= MAX_MARKS:
                out.append(r)
                run = 1 if ccc else 0
                continue
            k = len(out)
            while k > len(out) - run and unicodedata.combining(out[k - 1]) > ccc:
                k -= 1
            out.insert(k, r)
            run += 1
    # Then composed as NFC composes (the sequence is already decomposed and
    # in canonical order, so this is canonical composition alone).
    return unicodedata.normalize("NFC", "".join(out))


def compositions():
    """Every primary composite as (first, second, composite), Hangul
    syllables left to the Go rule."""
    out = []
    for cp in range(0x110000):
        if 0xD800 <= cp < 0xE000 or HANGUL_FIRST <= cp < HANGUL_FIRST + HANGUL_COUNT:
            continue
        c = chr(cp)
        d = unicodedata.decomposition(c)
        if not d or d.startswith("<"):
            continue
        parts = [int(x, 16) for x in d.split()]
        if len(parts) == 2 and unicodedata.normalize("NFC", c) == c:
            out.append((parts[0], parts[1], cp))
    return sorted(out)


def forms(s):
    yield s.upper()
    yield s.lower()
    yield s.title()
    yield s.casefold()
    for f in ("NFC", "NFD", "NFKC", "NFKD"):
        yield unicodedata.normalize(f, s)


def check():
    bad = []
    for cp in range(0x110000):
        if 0xD800 <= cp < 0xE000:
            continue
        c = chr(cp)
        v = view(c)
        if not v:
            bad.append((cp, "empty view"))
        if view(v) != v:
            bad.append((cp, "view of view differs"))
        for f in forms(c):
            if view(f) != v:
                bad.append((cp, "form %r reads %r, not %r" % (f, view(f), v)))
    for cp, why in bad[:20]:
        print("U+%04X: %s" % (cp, why), file=sys.stderr)
    if bad:
        sys.exit("%d code points break the view's rule" % len(bad))


def go_string(s):
    out = []
    for ch in s:
        o = ord(ch)
        if 0x20 <= o < 0x7F and ch not in '"\\':
            out.append(ch)
        elif o <= 0xFFFF:
            out.append("\\u%04x" % o)
        else:
            out.append("\\U%08x" % o)
    return "".join(out)


def table(w, doc, decl, items, per_line):
    """Appends a Go var holding items, per_line to a line, and a blank line."""
    w.extend("// " + line for line in doc)
    w.append("var %s{" % decl)
    for i in range(0, len(items), per_line):
        w.append("\t" + " ".join(x + "," for x in items[i:i + per_line]))
    w.append("}")
    w.append("")


def main():
    check()
    keys, data, offs = [], [], [0]
    size = 0
    for cp in range(0x80, 0x110000):
        if 0xD800 <= cp < 0xE000 or HANGUL_FIRST <= cp < HANGUL_FIRST + HANGUL_COUNT:
            continue
        r = reads_as(chr(cp))
        if r == chr(cp):
            continue
        keys.append(cp)
        data.append(r)
        size += len(r.encode("utf-8"))
        offs.append(size)
    assert size < 1 << 16
    ccc = []  # [first, last, class]
    for cp in range(0x110000):
        k = unicodedata.combining(chr(cp)) if not 0xD800 <= cp < 0xE000 else 0
        if k == 0:
            continue
        if ccc and ccc[-1][1] == cp - 1 and ccc[-1][2] == k:
            ccc[-1][1] = cp
        else:
            ccc.append([cp, cp, k])

    comp = compositions()
    w = []
    w.append("// Code generated by gen/viewtable.py from Python %s's unicodedata (Unicode %s). DO NOT EDIT."
             % (sys.version.split()[0], unicodedata.unidata_version))
    w.append("")
    w.append("package redact")
    w.append("")
    w.append("// viewUnicode is the Unicode version the view's tables come from.")
    w.append('const viewUnicode = "%s"' % unicodedata.unidata_version)
    w.append("")
    table(w, ["viewRunes lists, ascending, every non-ASCII rune outside the Hangul",
              "syllables that reads as something else: viewRunes[i] reads as",
              "viewData[viewOff[i]:viewOff[i+1]]."],
          "viewRunes = [...]rune", ["0x%04x" % k for k in keys], 12)
    table(w, [], "viewOff = [...]uint16", ["%d" % o for o in offs], 14)
    w.append("const viewData = \"\" +")
    chunk = []
    for i, d in enumerate(data):
        chunk.append(go_string(d))
        if len(chunk) == 16 or i == len(data) - 1:
            w.append('\t"%s"%s' % ("".join(chunk), " +" if i < len(data) - 1 else ""))
            chunk = []
    w.append("")
    table(w, ["cccRanges lists, ascending, the runes whose canonical combining class",
              "is not 0, as runs of one class."],
          "cccRanges = [...]cccRange", ["{0x%04x, 0x%04x, %d}" % tuple(c) for c in ccc], 5)
    table(w, ["compositions lists every primary composite (Hangul syllables aside)",
              "as {first, second, composite}, ascending by first, then second."],
          "compositions = [...][3]rune", ["{0x%04x, 0x%04x, 0x%04x}" % c for c in comp], 5)
    seconds = sorted({c[1] for c in comp if unicodedata.combining(chr(c[1])) == 0})
    table(w, ["starterSeconds lists, ascending, the runes of combining class 0 that",
              "compose with the rune before them (Hangul jamo aside)."],
          "starterSeconds = [...]rune", ["0x%04x" % c for c in seconds], 12)
    with open("viewtable.go", "w") as f:
        f.write("\n".join(w).rstrip("\n") + "\n")


if __name__ == "__main__":
    main()

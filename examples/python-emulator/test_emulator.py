#!/usr/bin/env python3
"""A test fixture for freddy-emulator in Python, standard library only.

The Emulator class starts freddy-emulator with -control on a free loopback
port, reads its banner for the URL and the API key, and stops it with
SIGTERM; its methods drive the control API (inject faults, list the
requests received, set health, reset). The tests below show it in use, and
what each answer looks like. No pip install: urllib, json, subprocess and
unittest only.

    go build -o bin/freddy-emulator ./cmd/freddy-emulator
    FREDDY_EMULATOR=bin/freddy-emulator python3 examples/python-emulator/test_emulator.py

Without FREDDY_EMULATOR it runs freddy-emulator from PATH, or builds it with
go when run from a checkout of freddy-go.

Mind the shapes, which follow the API reference pages: Create answers in an
envelope, {"success": true, "data": {...}}, with organization_id, created_at
and updated_at in snake_case and every other field in camelCase; Get, List,
Update and the toggle answer bare camelCase objects (organizationId,
createdAt); Test answers a bare {"status", "message", "details",
"testedAt"}.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import unittest
import urllib.error
import urllib.request

BASE = "/v1/personal-connectors/configurations"
TOKEN = "ghp_PYTHONFIXTURE_0123456789abcdef"


class Emulator:
    """freddy-emulator -control on a free loopback port, as a context manager."""

    def __init__(self, binary, *args):
        self.binary, self.args = binary, args
        self.proc = self.url = self.key = None

    def __enter__(self):
        self.proc = subprocess.Popen(
            [self.binary, "-addr", "127.0.0.1:0", "-control", *self.args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        # The banner is printed once the emulator serves:
        #   freddy emulator listening on http://127.0.0.1:PORT
        #   API key: KEY
        first, second = self.proc.stdout.readline(), self.proc.stdout.readline()
        prefix, key_prefix = "freddy emulator listening on ", "API key: "
        if not first.startswith(prefix) or not second.startswith(key_prefix):
            self.proc.kill()
            raise RuntimeError("freddy-emulator did not start: %r %r %s"
                               % (first, second, self.proc.stderr.read()))
        self.url = first[len(prefix):].strip()
        self.key = second[len(key_prefix):].strip()
        return self

    def __exit__(self, *exc):
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=10)
        self.proc.stdout.close()
        self.proc.stderr.close()
        if code != 0:
            raise RuntimeError("freddy-emulator exited with %d" % code)

    def call(self, method, path, body=None, key=True):
        """Sends one request; returns (status, decoded JSON body or None)."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if key:
            req.add_header("X-API-Key", self.key)
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                status, raw = resp.status, resp.read()
        except urllib.error.HTTPError as err:
            status, raw = err.code, err.read()
            err.close()
        return status, (json.loads(raw) if raw.strip() else None)

    def control(self, method, path, body=None):
        """A control API request (no API key); raises on a non-200 answer."""
        status, answer = self.call(method, "/_freddytest/" + path, body, key=False)
        if status != 200:
            raise RuntimeError("%s %s: %d %s" % (method, path, status, answer))
        return answer

    # The control API, one method per endpoint, each answer as documented.

    def inject(self, *faults):
        return self.control("POST", "faults", list(faults))["queued"]

    def clear_faults(self):
        return self.control("DELETE", "faults")["cleared"]

    def requests(self):
        return self.control("GET", "requests")

    def configurations(self):
        return self.control("GET", "configurations")["data"]

    def set_health(self, config_id, status, message=""):
        return self.control("PUT", "configurations/%s/health" % config_id,
                            {"status": status, "message": message})

    def reset(self):
        return self.control("POST", "reset")["reset"]


def emulator_binary():
    """FREDDY_EMULATOR, freddy-emulator on PATH, or one built with go."""
    if os.environ.get("FREDDY_EMULATOR"):
        return os.environ["FREDDY_EMULATOR"]
    if shutil.which("freddy-emulator"):
        return shutil.which("freddy-emulator")
    out = os.path.join(tempfile.mkdtemp(), "freddy-emulator")
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    subprocess.run(["go", "build", "-o", out, "./cmd/freddy-emulator"], cwd=root, check=True)
    return out


class ControlAPITest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emulator = Emulator(emulator_binary())
        cls.emu = cls.emulator.__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.emulator.__exit__(None, None, None)

    def setUp(self):
        self.assertIs(self.emu.reset(), True)
        self.assertIs(self.emu.clear_faults(), True)

    def create(self, token=TOKEN):
        status, body = self.emu.call("POST", BASE, {
            "personalConnectorId": "pcon_github", "name": "From Python",
            "credentials": {"type": "bearer", "token": token}})
        self.assertEqual(status, 200, body)
        return body

    def test_shapes_follow_the_reference(self):
        created = self.create()
        self.assertIs(created["success"], True)
        data = created["data"]
        self.assertIn("organization_id", data)   # Create: snake_case dates and org
        self.assertIn("created_at", data)
        self.assertEqual(data["credentials"], "***REDACTED***")
        status, got = self.emu.call("GET", BASE + "/" + data["id"])
        self.assertEqual(status, 200)
        self.assertIn("organizationId", got)     # Get: bare camelCase
        self.assertIn("createdAt", got)
        status, listed = self.emu.call("GET", BASE)
        self.assertEqual(listed["object"], "list")
        self.assertEqual([c["id"] for c in listed["data"]], [data["id"]])
        status, tested = self.emu.call("POST", BASE + "/" + data["id"] + "/test")
        self.assertEqual(status, 200)
        self.assertEqual(tested["status"], "healthy")  # Test: bare
        self.assertEqual(self.emu.configurations()[0]["id"], data["id"])

    def test_a_targeted_fault_fails_only_its_route(self):
        self.assertEqual(self.emu.inject(
            {"kind": "ServerError", "method": "POST", "path": "/{id}/test", "count": -1}), 1)
        config_id = self.create()["data"]["id"]
        for _ in range(2):
            status, body = self.emu.call("POST", BASE + "/" + config_id + "/test")
            self.assertEqual(status, 500)
            self.assertEqual(body["error"]["code"], "INTERNAL_SERVER_ERROR")
        status, _ = self.emu.call("GET", BASE + "/" + config_id)
        self.assertEqual(status, 200)

    def test_a_bad_fault_is_refused_by_name(self):
        status, body = self.emu.call("POST", "/_freddytest/faults",
                                     [{"kind": "drop", "path": "{id}/test"}], key=False)
        self.assertEqual(status, 400)
        self.assertTrue(body["error"].startswith("faults[0].path:"), body)

    def test_requests_are_listed_without_secrets(self):
        self.create()
        listing = self.emu.requests()
        self.assertEqual(listing["dropped"], 0)
        post = listing["requests"][0]
        self.assertEqual(sorted(post), ["body", "header", "method", "path", "proto", "seq"])
        self.assertEqual((post["seq"], post["method"], post["path"]), (1, "POST", BASE))
        self.assertEqual(post["header"]["X-Api-Key"], ["***REDACTED***"])
        self.assertEqual(json.loads(post["body"])["credentials"], "***REDACTED***")
        raw = json.dumps(listing).lower()
        for secret in (TOKEN, self.emu.key):
            for i in range(len(secret) - 7):
                self.assertNotIn(secret[i:i + 8].lower(), raw)

    def test_health_override(self):
        config_id = self.create()["data"]["id"]
        self.assertEqual(self.emu.set_health(config_id, "unhealthy", "Token expired."),
                         {"id": config_id, "status": "unhealthy"})
        _, tested = self.emu.call("POST", BASE + "/" + config_id + "/test")
        self.assertEqual((tested["status"], tested["message"]), ("unhealthy", "Token expired."))
        status, body = self.emu.call("PUT", "/_freddytest/configurations/%s/health" % config_id,
                                     {"health": "healthy"}, key=False)
        self.assertEqual(status, 400)
        self.assertIn('unknown field "health"', body["error"])

    def test_reset_forgets_everything(self):
        self.create()
        self.assertIs(self.emu.reset(), True)
        self.assertEqual(self.emu.configurations(), [])
        self.assertEqual(self.emu.requests(), {"dropped": 0, "requests": []})


if __name__ == "__main__":
    unittest.main()

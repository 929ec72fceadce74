"""serve_util.py - what the quire-serve tests share: paths from ctest's environment, an
index of a folder, a quire-serve on a free loopback port, HTTP requests, and a headless
Chromium driven over the DevTools protocol on a pipe (--remote-debugging-pipe: JSON
messages ended by NUL on fds 3 and 4, so no WebSocket library is needed).

A test that needs a tool this machine lacks (chromium) exits with SKIP (77, ctest's
SKIP_RETURN_CODE) and says which; scripts/install-deps.sh installs everything, so in CI
they run."""

import base64
import http.client
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SKIP = 77


def env(name):
    v = os.environ.get(name)
    if not v:
        print(f"SKIP: {name} is not set (run through ctest)")
        sys.exit(SKIP)
    return v


SRC = None
BIN = None


def setup():
    global SRC, BIN
    SRC = env("QUIRE_SOURCE_DIR")
    BIN = env("QUIRE_BINARY_DIR")


failures = []


def check(cond, what):
    """Record a failed expectation (the test goes on and fails at the end)."""
    if not cond:
        failures.append(what)
        if len(failures) <= 20:
            print("FAIL:", what, flush=True)
    return cond


def finish():
    if failures:
        print(f"{len(failures)} check(s) failed")
        sys.exit(1)
    print("ok")
    sys.exit(0)


def tmpdir():
    d = tempfile.mkdtemp(prefix="quire-serve-test-")
    return d


def index(idx, inputs, cwd=None, extra=()):
    """quire-index IDX INPUTS... (from cwd, so ids are the paths as given)."""
    cmd = [os.path.join(BIN, "quire-index"), "--quiet", *extra, idx, *inputs]
    r = subprocess.run(cmd, cwd=cwd or SRC, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: exit {r.returncode}: {r.stderr}")
    return r


def sample_index(d):
    """tests/data's five articles, ids as in the README (tests/data/NNN_....txt)."""
    idx = os.path.join(d, "sample")
    files = sorted(f for f in os.listdir(os.path.join(SRC, "tests/data")) if f.endswith(".txt"))
    index(idx, [f"tests/data/{f}" for f in files])
    return idx


class Server:
    """quire-serve INDEX --listen 127.0.0.1:0, its port read from the line it prints."""

    def __init__(self, idx, *args):
        self.log = tempfile.TemporaryFile(mode="w+")
        self.p = subprocess.Popen(
            [os.path.join(BIN, "quire-serve"), "--listen", "127.0.0.1:0", *args, idx],
            stdout=subprocess.PIPE, stderr=self.log, text=True)
        line = self.p.stdout.readline()
        if " on http://" not in line:
            self.p.kill()
            self.log.seek(0)
            raise RuntimeError(f"quire-serve did not start: {line!r} {self.log.read()}")
        self.url = line.split(" on ")[-1].strip().rstrip("/")
        self.host, port = self.url[len("http://"):].rsplit(":", 1)
        self.port = int(port)
        self.banner = line

    def get(self, path, method="GET", headers=None, body=None):
        c = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            data = r.read()
            return r.status, dict((k.lower(), v) for k, v in r.getheaders()), data
        finally:
            c.close()

    def json(self, path):
        status, headers, data = self.get(path)
        return status, json.loads(data.decode("utf-8")) if data else None

    def stop(self):
        """SIGTERM; quire-serve must exit 0 (under ASan: with nothing leaked)."""
        self.p.send_signal(signal.SIGTERM)
        try:
            rc = self.p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.p.kill()
            rc = "hung"
        self.log.seek(0)
        err = self.log.read()
        check(rc == 0, f"quire-serve exits 0 on SIGTERM, not {rc}: {err[-2000:]}")
        return err


def find_chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        p = shutil.which(name)
        if p:
            return p
    return None


class Browser:
    """Headless Chromium, one page, driven over the DevTools protocol on a pipe."""

    def __init__(self, exe, log_path=None):
        self.profile = tempfile.mkdtemp(prefix="quire-chromium-")
        to_child_r, self.to_child = os.pipe()
        self.from_child, from_child_w = os.pipe()

        def wire():  # in the child: its fd 3 reads our commands, fd 4 writes its answers
            os.dup2(to_child_r, 3)
            os.dup2(from_child_w, 4)

        self.log = open(log_path or os.devnull, "w")
        # The flags that work as root without network (headless, no sandbox, no GPU, no
        # background connections to Google).
        self.p = subprocess.Popen(
            [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--disable-extensions", "--disable-dev-shm-usage",
             "--remote-debugging-pipe", f"--user-data-dir={self.profile}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log, close_fds=False,
            preexec_fn=wire)
        os.close(to_child_r)
        os.close(from_child_w)
        self.buf = b""
        self.next_id = 0
        self.events = []
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget",
                                 {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.call(domain + ".enable", session=True)
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": 1100, "height": 820, "deviceScaleFactor": 1, "mobile": False},
                  session=True)

    def _read_message(self, deadline):
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no answer from chromium")
            ready, _, _ = select.select([self.from_child], [], [], left)
            if ready:
                chunk = os.read(self.from_child, 1 << 16)
                if not chunk:
                    raise RuntimeError("chromium closed its pipe")
                self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, params=None, session=False, timeout=30):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = self.session
        os.write(self.to_child, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            m = self._read_message(deadline)
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error']}")
                return m.get("result", {})
            self.events.append(m)

    def eval(self, expr, timeout=30):
        r = self.call("Runtime.evaluate", {"expression": expr, "returnByValue": True,
                                           "awaitPromise": True}, session=True, timeout=timeout)
        if "exceptionDetails" in r:
            raise RuntimeError(f"{expr}: {r['exceptionDetails']}")
        return r["result"].get("value")

    def wait_for(self, expr, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self.eval(expr):
                    return True
            except RuntimeError:
                pass
            time.sleep(0.05)
        return False

    def open(self, url):
        """Load url and wait until the page says it has rendered (body data-state)."""
        self.eval("document.body && (document.body.dataset.state = '')")
        self.call("Page.navigate", {"url": url}, session=True)
        return self.wait_for("document.readyState === 'complete' && "
                             "document.body.dataset.state === 'ready'")

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", {"format": "png"}, session=True)["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def errors(self):
        """JavaScript exceptions, console errors and CSP reports seen so far."""
        out = []
        for e in self.events:
            m, p = e.get("method"), e.get("params", {})
            if m == "Runtime.exceptionThrown":
                out.append("exception: " + json.dumps(p.get("exceptionDetails", {}))[:500])
            elif m == "Runtime.consoleAPICalled" and p.get("type") == "error":
                out.append("console.error: " + json.dumps(p.get("args", []))[:500])
            elif m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                text = p["entry"].get("text", "")
                # The answers to a bad query (400) and an unknown id (404) are expected.
                if not any(f"status of {c}" in text for c in (400, 404)):
                    out.append("log: " + text[:500])
        return out

    def close(self):
        try:
            self.call("Browser.close", timeout=5)
        except Exception:
            pass
        try:
            self.p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
        os.close(self.to_child)
        os.close(self.from_child)
        self.log.close()
        shutil.rmtree(self.profile, ignore_errors=True)

"""test_cli.py - quire-serve's command line: bad arguments are refused with a message and
exit 2; --help and --version; loopback by default, another address only when asked and
then with a warning; a port in use; SIGINT and SIGTERM end it with 0."""

import os
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serve_util as u  # noqa: E402

u.setup()
check = u.check
d = u.tmpdir()
idx = u.sample_index(d)
exe = os.path.join(u.BIN, "quire-serve")


def run(*args):
    return subprocess.run([exe, *args], capture_output=True, text=True, timeout=30)


for args, what in (((), "missing INDEX"), (("/nonexistent/index",), "not an index"),
                   (("--listen", "bogus", idx), "expected HOST:PORT"),
                   (("--listen", "127.0.0.1:99999", idx), "expected HOST:PORT"),
                   (("--listen", "no.such.host.invalid:0", idx), "no.such.host.invalid"),
                   (("--threads", "0", idx), "--threads"), (("--poll", "x", idx), "--poll"),
                   (("--bogus", "1", idx), "unknown option"), ((idx, idx), "one INDEX"),
                   (("--listen",), "needs a value"), ((d,), "not an index")):
    r = run(*args)
    check(r.returncode == 2 and what in r.stderr and r.stdout == "",
          f"quire-serve {' '.join(args)}: exit {r.returncode}, {r.stderr.strip()!r}")
    check(len(r.stderr.splitlines()) == 1, f"one line of error, not the help: {r.stderr!r}")
r = run("--help")
check(r.returncode == 0 and "--listen" in r.stdout and "--time-limit" in r.stdout, "--help")
r = run("--version")
check(r.returncode == 0 and r.stdout.startswith("quire-serve "), "--version")

# Loopback unless asked; then a warning.
s = u.Server(idx)
check(s.host == "127.0.0.1", f"the default address is loopback: {s.host}")
check(s.stop() == "", "no warning on loopback")
p = subprocess.Popen([exe, "--listen", "0.0.0.0:0", idx], stdout=subprocess.PIPE,
                     stderr=subprocess.PIPE, text=True)
line = p.stdout.readline()
p.send_signal(signal.SIGINT)
out, err = p.communicate(timeout=30)
check(" on http://0.0.0.0:" in line, f"it listens where asked: {line!r}")
check("warning" in err and "not a loopback address" in err, f"with a warning: {err!r}")
check(p.returncode == 0, f"SIGINT ends it with 0: {p.returncode}")

# A port in use.
s = u.Server(idx)
r = run("--listen", f"127.0.0.1:{s.port}", idx)
check(r.returncode == 2 and "cannot listen" in r.stderr, f"a port in use: {r.stderr!r}")
s.stop()
u.finish()

"""Calling a student's Python functions in a fresh interpreter, on inputs the grader chooses.

The student's code (the module text grader.harvest collected) runs in a child
Python started here, in its own session. The calls are sent only once the module
has loaded, and the answers come back on a pipe of their own, as plain JSON made
with exact types (a set subclass whose == always says yes is refused, not
trusted). An error gives its type, message and line in the student's code; a
call that does not return in time ends the child. Nothing here judges an answer:
the checks compare it with the grader's own truth.
"""

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from grader import reported

PRELUDE = "import glob\nimport os\nimport re\nfrom pathlib import Path\n"
MAX_REPLY = 4 << 20   # bytes of answers read back from one child
MAX_TEXT = 6000       # characters of the child's stdout and stderr kept

_TEXTS = ("UNREADABLE", "NOT_PLAIN", "TOO_DEEP", "TOO_BIG")  # what the child says (grader.reported)
_BOOT = "".join(f"{key} = {getattr(reported, key)!r}\n" for key in _TEXTS) + r'''
import json, os, sys, traceback
chan = os.fdopen(int(sys.argv[1]), "w", buffering=1)
dumps, T = json.dumps, type


def send(item):
    chan.write(dumps(item) + "\n")


def encode(v, budget, depth=0):
    if depth > 40:
        raise TypeError(TOO_DEEP)
    t = T(v)
    if getattr(t, "__module__", "") == "numpy" and hasattr(v, "item") and getattr(v, "ndim", 0) == 0:
        v = v.item()
        t = T(v)
    budget[0] -= 1
    if budget[0] < 0:
        raise TypeError(TOO_BIG)
    if v is None or t is bool or t is int or t is str:
        return v
    if t is float:
        return v if v == v and abs(v) != float("inf") else {"float": repr(v)}
    if t is list or t is tuple:
        return [encode(x, budget, depth + 1) for x in v]
    if t is set or t is frozenset:
        return sorted((encode(x, budget, depth + 1) for x in v), key=dumps)
    if t is dict:
        out = {}
        for k, x in v.items():
            if T(k) is not str:
                raise TypeError("a dict whose keys are not all strings")
            out[k] = encode(x, budget, depth + 1)
        return out
    if t.__name__ == "DataFrame" and t.__module__.startswith("pandas"):
        return {"columns": [str(c) for c in v.columns],
                "data": {str(c): encode(v[c].tolist(), budget, depth + 1) for c in v.columns}}
    raise TypeError(NOT_PLAIN.format(kind=t.__name__))


def describe(e):
    line = None
    for frame, lineno in traceback.walk_tb(e.__traceback__):
        if frame.f_code.co_filename == "<student>":
            line = lineno - PRELUDE_LINES
    return {"type": T(e).__name__, "message": str(e)[:600], "line": line}


first = json.loads(sys.stdin.readline())
PRELUDE_LINES = first["prelude"].count("\n")
ns = {"__name__": "__student__"}
try:
    exec(compile(first["prelude"] + first["source"], "<student>", "exec"), ns)
except BaseException as e:
    send({"loaded": False, "error": describe(e)})
    raise SystemExit(0)
send({"loaded": True})
calls = json.loads(sys.stdin.readline())
for name, args in calls:
    try:
        value = ns[name](*args)
    except BaseException as e:
        send({"error": describe(e)})
        continue
    try:
        send({"value": encode(value, [200000]), "type": T(value).__name__})
    except (TypeError, ValueError, RecursionError) as e:
        send({"unreadable": UNREADABLE.format(call=name, why=str(e)[:300])})
'''


def call(source, calls, *, prelude=PRELUDE, timeout=20.0, cwd=None, env=None, pass_fds=(), on_start=None):
    """Load `source` in a fresh Python, then call each (function name, [args]) of `calls` in turn.

    Returns {"loaded": bool, "load_error": error or None, "results": [one per call:
    {"value", "type"} | {"error": {type, message, line}} | {"unreadable": why} | {"timeout": True}], "stdout",
    "stderr", "seconds"}. Lines in errors count from the first line of `source`.
    on_start(pid) is called once the child runs (to watch it); pass_fds go to the child.
    """
    t0 = time.monotonic()
    deadline = t0 + timeout
    chan_r, chan_w = os.pipe()
    work = cwd or tempfile.mkdtemp(prefix="student-")
    try:
        return _call(source, calls, prelude, timeout, deadline, t0, chan_r, chan_w, work, env, pass_fds, on_start)
    finally:
        if cwd is None:
            shutil.rmtree(work, ignore_errors=True)


def _call(source, calls, prelude, timeout, deadline, t0, chan_r, chan_w, work, env, pass_fds, on_start):
    out_f = tempfile.TemporaryFile()
    err_f = tempfile.TemporaryFile()
    child_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp"),
                 "LANG": "C.UTF-8", "TERM": "dumb", **{k: v for k, v in os.environ.items()
                                                       if k.startswith(("SIGCAMP_", "GO", "CGO_"))},
                 **(env or {})}
    proc = subprocess.Popen([sys.executable, "-I", "-c", _BOOT, str(chan_w)], stdin=subprocess.PIPE,
                            stdout=out_f, stderr=err_f, cwd=work, env=child_env, pass_fds=(chan_w, *pass_fds),
                            start_new_session=True, preexec_fn=_child_setup)
    os.close(chan_w)
    if on_start:
        on_start(proc.pid)
    reader = _Lines(chan_r)
    result = {"loaded": False, "load_error": None, "results": [], "timed_out": False}
    try:
        _write(proc, {"source": source, "prelude": prelude})
        first = reader.next(deadline)
        if first is None or not first.get("loaded"):
            result["load_error"] = (first or {}).get("error") or _ended(proc, deadline)
        else:
            result["loaded"] = True
            _write(proc, [[name, list(args)] for name, args in calls], last=True)
            while len(result["results"]) < len(calls):
                item = reader.next(deadline)
                if item is None:
                    break
                result["results"].append(item)
    finally:
        timed_out = time.monotonic() >= deadline
        _stop(proc)
        reader.close()
    missing = len(calls) - len(result["results"]) if result["loaded"] else 0
    if missing:
        why = {"timeout": True} if timed_out else {"error": {"type": "the Python running your code ended",
                                                             "message": f"exit {proc.returncode}", "line": None}}
        result["results"] += [why] * missing
    result["timed_out"] = timed_out
    if result["load_error"] is None and not result["loaded"]:
        result["load_error"] = {"type": "timeout", "message": f"the code did not load within {timeout:g} s",
                                "line": None}
    result["stdout"], result["stderr"] = _tail(out_f), _tail(err_f)
    result["seconds"] = time.monotonic() - t0
    return result


def _child_setup():
    for sig in (signal.SIGINT, signal.SIGQUIT, signal.SIGTERM, signal.SIGHUP, signal.SIGPIPE, signal.SIGUSR1,
                signal.SIGUSR2, signal.SIGCHLD):
        signal.signal(sig, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_SETMASK, [])


def _write(proc, item, *, last=False):
    try:
        proc.stdin.write(json.dumps(item).encode() + b"\n")
        proc.stdin.flush()
        if last:
            proc.stdin.close()
    except (BrokenPipeError, OSError):
        pass


def _ended(proc, deadline):
    try:
        proc.wait(max(0.0, min(2.0, deadline - time.monotonic())))
    except subprocess.TimeoutExpired:
        return None
    return {"type": "the Python running your code ended", "message": f"exit {proc.returncode}", "line": None}


def _stop(proc):
    """SIGKILL the child's session (its process group) and reap the child."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()
    if proc.stdin and not proc.stdin.closed:
        try:
            proc.stdin.close()
        except OSError:
            pass


def _tail(f):
    f.seek(0, os.SEEK_END)
    size = f.tell()
    f.seek(max(0, size - 4 * MAX_TEXT))
    text = f.read().decode(errors="replace")
    f.close()
    return text[-MAX_TEXT:]


class _Lines:
    """JSON lines from a pipe, each bounded by a deadline; None at EOF, at the deadline or past MAX_REPLY."""

    def __init__(self, fd):
        self.fd, self.buf, self.total = fd, b"", 0

    def next(self, deadline):
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0 or self.total > MAX_REPLY:
                return None
            ready, _, _ = select.select([self.fd], [], [], left)
            if not ready:
                return None
            chunk = os.read(self.fd, 1 << 16)
            if not chunk:
                return None
            self.total += len(chunk)
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        try:
            item = json.loads(line)
        except ValueError:
            return {"error": {"type": "unreadable answer", "message": "the answer was not JSON", "line": None}}
        return item if isinstance(item, dict) else {"error": {"type": "unreadable answer",
                                                              "message": "the answer was not an object", "line": None}}

    def close(self):
        os.close(self.fd)

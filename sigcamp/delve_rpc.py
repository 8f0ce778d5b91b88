"""delve's JSON-RPC API (version 2), driven from Python: `launch()`, `attach()`, `Client`.

A headless dlv listens on 127.0.0.1; `Client` sends newline-delimited JSON-RPC
1.0 requests and returns goroutines, stacks and threads as DataFrames. A
`continue` that does not come back is halted over a second connection, so no
call hangs; closing kills dlv and the program it started, whatever happened.
"""

import os
import re
import subprocess
import threading
import time
from functools import cache

import pandas as pd

from . import toolchain
from .delve_process import Debugger, children as _children, dlv_env as _dlv_env, forget, gone as _gone, kill as _kill, \
    register
from .delve_wire import Connection, Stop
from .errors import DelveError
from .i18n import N_
from .session import child_setup, signal_number

_LISTENING = re.compile(r"API server listening at: (\S+):(\d+)")
# Each stop loads this much of every variable (delve's own default for `print`).
_LOAD = {"FollowPointers": True, "MaxVariableRecurse": 1, "MaxStringLen": 64,
         "MaxArrayValues": 64, "MaxStructFields": -1}
# The goroutine table's columns: delve's own names for them (the display translates them; see i18n).
GOROUTINE_COLUMNS = (N_("id"), N_("function"), N_("user_function"), N_("location"), N_("thread"), N_("status"),
                     N_("wait_reason"), N_("start_function"), N_("go_statement"))


class Client(Debugger):
    """A headless dlv driven through its JSON-RPC API (version 2). Use `with`; see launch().

    Most requests need a stopped program: call them after continue_() returns or
    after halt(). Leaving the `with` kills dlv and, when dlv started it (exec), the
    program; a program left with detach(kill=False) keeps running.
    """

    def __init__(self, argv, *, env=None, timeout=30, attached_pid=None, label="dlv"):
        self.label = label
        self.timeout = timeout
        self.attached = attached_pid is not None
        self.detached = False
        self._kill_on_close = True
        self._out, self._err = [], []
        self._out_lock = threading.Condition()
        self._conn = self._side = None
        head, sep, program_args = (argv[:argv.index("--")], ["--"], argv[argv.index("--") + 1:]) \
            if "--" in argv else (argv, [], [])
        cmd = [str(toolchain.dlv()), *head, "--headless", "--api-version=2",
               "--accept-multiclient", "--listen=127.0.0.1:0", *sep, *program_args]
        self._proc = subprocess.Popen(
            cmd, env=_dlv_env(env), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, start_new_session=True, preexec_fn=child_setup,
        )
        register(self)
        try:
            for stream, sink in ((self._proc.stdout, self._out), (self._proc.stderr, self._err)):
                threading.Thread(target=self._pump, args=(stream, sink), daemon=True).start()
            self.addr = self._await_listening(timeout)
            self._conn = Connection(self.addr, label)
            self.pid = attached_pid or self._call("ProcessPid", {})["Pid"]
        except BaseException:
            self.close()
            raise

    # --- output ------------------------------------------------------------------

    def _pump(self, stream, sink):
        for raw in iter(stream.readline, b""):
            with self._out_lock:
                sink.append(raw.decode("utf-8", "replace"))
                self._out_lock.notify_all()
        stream.close()

    def _await_listening(self, timeout):
        deadline = time.monotonic() + timeout
        with self._out_lock:
            while True:
                for line in self._out:
                    m = _LISTENING.search(line)
                    if m:
                        self._out_start = self._out.index(line) + 1
                        return m.group(1), int(m.group(2))
                left = deadline - time.monotonic()
                if self._proc.poll() is not None or left <= 0:
                    break
                self._out_lock.wait(min(left, 0.1))
        time.sleep(0.05)  # let the pumps take the last words
        why = "exited" if self._proc.poll() is not None else f"printed no listening address within {timeout} s"
        raise DelveError(f"{self.label} {why}:\n{''.join(self._out)}{''.join(self._err)}")

    @property
    def target_output(self):
        """What the program printed on stdout so far (headless dlv passes it through its own).

        Read from a pipe by a thread, so it can lag a few ms behind a stop: use wait_output().
        """
        with self._out_lock:
            return "".join(self._out[getattr(self, "_out_start", 0):])

    @property
    def dlv_messages(self):
        """What dlv and the program wrote on stderr (warnings, the program's stderr)."""
        with self._out_lock:
            return "".join(self._err)

    def wait_output(self, text, *, timeout=10):
        """Wait until the program's output contains `text`; True if it did within `timeout` s."""
        deadline = time.monotonic() + timeout
        with self._out_lock:
            while text not in "".join(self._out[getattr(self, "_out_start", 0):]):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._out_lock.wait(min(left, 0.1))
        return True

    # --- requests ----------------------------------------------------------------

    def _call(self, method, params, *, timeout=None, side=False):
        if self.detached:
            raise DelveError(f"{self.label}: detached; start a new Client to debug again")
        if side:
            if self._side is None:
                self._side = Connection(self.addr, self.label)
            conn = self._side
        else:
            conn = self._conn
        return conn.call(method, params, self.timeout if timeout is None else timeout)

    def create_breakpoint(self, function=None, *, cond=None, file=None, line=None):
        """Break on entry to `function` (e.g. "runtime.sighandler"), or at file:line.

        `cond` is a Go expression delve evaluates at each hit; the program stops only
        when it is true (e.g. "sig == 2"). Returns the breakpoint's id.
        """
        if not function and not (file and line):
            raise ValueError("give a function name, or both file= and line=")
        bp = {"FunctionName": function} if function else {"file": str(file), "line": int(line)}
        if cond:
            bp["Cond"] = cond
        return self._call("CreateBreakpoint", {"Breakpoint": bp})["Breakpoint"]["id"]

    def breakpoints(self):
        """DataFrame of breakpoints: id, function, file, line, cond, hits."""
        bps = self._call("ListBreakpoints", {"All": False})["Breakpoints"]
        rows = [{"id": b["id"], "function": b.get("functionName"), "file": b.get("file"),
                 "line": b.get("line"), "cond": b.get("Cond") or None, "hits": b.get("totalHitCount", 0)}
                for b in bps if b["id"] > 0]
        return pd.DataFrame(rows, columns=["id", "function", "file", "line", "cond", "hits"])

    def continue_(self, *, timeout=10):
        """Run until a breakpoint, the program's exit, or `timeout` s; returns a Stop.

        On timeout (or Ctrl+C in the caller) the program is halted over a second
        connection, so a continue never hangs; Stop.timed_out tells which it was.
        """
        try:
            state = self._call("Command", {"name": "continue"}, timeout=timeout)["State"]
            return Stop.from_state(state)
        except TimeoutError:
            return self._halt_and_settle(timed_out=True)
        except KeyboardInterrupt:
            self._halt_and_settle(timed_out=True)
            raise

    def _halt_and_settle(self, *, timed_out):
        state = self._call("Command", {"name": "halt"}, side=True)["State"]
        return Stop.from_state(state, timed_out=timed_out)

    def halt(self):
        """Stop the running program wherever it is (safe while a continue_ waits elsewhere)."""
        return self._halt_and_settle(timed_out=False)

    def state(self):
        """delve's state now, without waiting for a running program: a Stop (raw: the whole state)."""
        return Stop.from_state(self._call("State", {"NonBlocking": True}, side=True)["State"])

    def goroutines(self):
        """DataFrame of every goroutine: id, function (where it is), user_function, location
        (user file:line), thread (None unless running on one), status, wait_reason,
        start_function and go_statement (where it was started)."""
        gs = self._call("ListGoroutines", {"Start": 0, "Count": 0})["Goroutines"]
        statuses, reasons = _runtime_names()
        rows = []
        for g in gs:
            cur, user = g.get("currentLoc") or {}, g.get("userCurrentLoc") or {}
            status = statuses.get(g.get("status"), str(g.get("status")))
            reason = reasons.get(g.get("waitReason"), "") if status in ("waiting", "syscall") else ""
            rows.append({
                "id": g["id"], "function": _fn(cur), "user_function": _fn(user),
                "location": _where(user), "thread": g.get("threadID") or None,
                "status": status, "wait_reason": reason or None,
                "start_function": _fn(g.get("startLoc") or {}), "go_statement": _where(g.get("goStatementLoc") or {}),
            })
        df = pd.DataFrame(rows, columns=list(GOROUTINE_COLUMNS))
        df["thread"] = df["thread"].astype("Int64")
        return df.sort_values("id", ignore_index=True)

    def stacktrace(self, goroutine_id=-1, depth=20):
        """DataFrame of a goroutine's frames, innermost first: function, file, line (-1: the current one)."""
        locs = self._call("Stacktrace", {"Id": goroutine_id, "Depth": depth, "Full": False, "Cfg": None})["Locations"]
        rows = [{"function": _fn(l), "file": l.get("file"), "line": l.get("line")}
                for l in locs if _fn(l) or l.get("file")]  # past the outermost frame delve pads with blanks
        return pd.DataFrame(rows, columns=[N_("function"), N_("file"), N_("line")])

    def eval(self, expr, goroutine_id=None, frame=0):
        """Evaluate a Go expression in a goroutine's frame (default: the current one).

        Integers, floats, bools and strings come back as Python values; anything
        else as delve's variable record (a dict with "type", "value", "children").
        """
        scope = {"GoroutineID": -1 if goroutine_id is None else goroutine_id, "Frame": frame}
        v = self._call("Eval", {"Scope": scope, "Expr": expr, "Cfg": _LOAD})["Variable"]
        kind, value = v.get("kind"), v.get("value")
        if kind == 1:
            return value == "true"
        if 2 <= kind <= 12:  # reflect.Int .. reflect.Uintptr
            return int(value)
        if kind in (13, 14):
            return float(value)
        if kind == 24:
            return value
        return v

    def threads(self):
        """DataFrame of the program's threads: id, goroutine, function, file, line, breakpoint."""
        ths = self._call("ListThreads", {})["Threads"]
        rows = [{"id": t["id"], "goroutine": t.get("goroutineID") or None, "function": _fn(t),
                 "file": t.get("file"), "line": t.get("line"),
                 "breakpoint": (t.get("breakPoint") or {}).get("id")} for t in ths]
        df = pd.DataFrame(rows, columns=["id", N_("goroutine"), N_("function"), N_("file"), N_("line"),
                                         N_("breakpoint")])
        df["goroutine"] = df["goroutine"].astype("Int64")
        df["breakpoint"] = df["breakpoint"].astype("Int64")
        return df.sort_values("id", ignore_index=True)

    def send(self, signame, *, after=None, timeout=10):
        """kill(2) the program with `signame`; with `after`, from a background thread once
        `after` shows in its output (so it can happen during a blocking continue_)."""
        num = signal_number(signame)
        if after is None:
            os.kill(self.pid, num)
            return

        def later():
            if self.wait_output(after, timeout=timeout) and not _gone(self.pid):
                os.kill(self.pid, num)

        threading.Thread(target=later, daemon=True).start()

    def detach(self, *, kill):
        """Let go of the program: kill=False (attach only) removes the breakpoints and leaves
        it running; dlv always kills a program it started itself. kill=True ends an exec'd
        program with SIGKILL, but an attached one only gets a SIGINT after the detach
        (delve's killProcess on Linux), so a program that catches SIGINT decides itself."""
        if not kill and not self.attached:
            raise DelveError(f"{self.label}: dlv kills a program it started (exec) even when told not to; "
                             "start the program yourself (sigcamp.start) and attach() to leave it running")
        self._call("Detach", {"Kill": bool(kill)}, timeout=10)
        self.detached = True
        self._kill_on_close = bool(kill)
        try:
            self._proc.wait(5)
        except subprocess.TimeoutExpired:
            pass

    def close(self):
        """Detach (killing a program dlv started), then kill dlv's process group; reap. Safe twice."""
        try:
            if not self.detached and self._conn is not None and self._proc.poll() is None:
                self._let_go()
        finally:
            for conn in (self._conn, self._side):
                if conn:
                    conn.close()
            pid = getattr(self, "pid", None)
            if pid is None and not self.attached and self._proc.poll() is None:
                kids = _children(self._proc.pid)  # failed before asking dlv for the PID
                pid = min(kids) if kids else None
            if pid and self._kill_on_close and not self.attached and not _gone(pid):
                _kill(pid)
                _kill(pid, group=True)
            if self._proc.poll() is None:
                _kill(self._proc.pid, group=True)
            try:
                self._proc.wait(5)
            except subprocess.TimeoutExpired:
                _kill(self._proc.pid)
            forget(self)

    def _let_go(self):
        """Halt if running, then Detach: dlv kills and reaps an exec'd program, frees an attached one."""
        try:
            if self._call("State", {"NonBlocking": True}, side=True, timeout=2)["State"].get("Running"):
                self._call("Command", {"name": "halt"}, side=True, timeout=3)
            self._call("Detach", {"Kill": not self.attached}, side=True, timeout=3)
            self.detached = True
            self._proc.wait(3)
        except (DelveError, TimeoutError, OSError, subprocess.TimeoutExpired):
            pass


def _fn(loc):
    return (loc.get("function") or {}).get("name")


def _where(loc):
    return f"{loc['file']}:{loc['line']}" if loc.get("file") else None


def _runtime_names():
    """({status number: name}, {wait reason number: text}) read from the runtime source of the Go in use."""
    return _runtime_names_in(toolchain.go().goroot)


@cache
def _runtime_names_in(goroot):
    src = (goroot / "src" / "runtime" / "runtime2.go").read_text()
    statuses = {int(n): name.lower() for name, n in re.findall(r"^\s*_G(\w+)\s*(?:= iota)?\s*// (\d+)\s*$", src, re.M)}
    statuses = {n: s.removesuffix("_unused") for n, s in statuses.items()}
    block = re.search(r"waitReasonZero\s+waitReason = iota(.*?)\n\)", src, re.S)
    reasons = {}
    if block:
        lines = ("waitReasonZero // \"\"" + block.group(1)).splitlines()
        names = [l for l in lines if l.strip().startswith("waitReason")]
        for i, l in enumerate(names):
            m = re.search(r'//\s*"([^"]*)"', l)
            reasons[i] = m.group(1) if m else l.split()[0]
    return statuses, reasons


def launch(program, *, env=None, args=(), timeout=30):
    """A Client on `dlv exec` of a sample (debug build, header Env/Args) or an executable."""
    return Client.exec(program, env=env, args=args, timeout=timeout)


def attach(pid, *, timeout=30):
    """A Client on `dlv attach PID`; the program stops until continue_() or detach()."""
    return Client.attach(pid, timeout=timeout)


"""Driving delve, the Go debugger, two ways: as a student types it, and through its API.

`Terminal` runs `dlv exec`/`dlv attach` on a pseudo-terminal and returns each command's
output. `Client` drives a headless dlv over its JSON-RPC API and returns goroutines,
stacks and threads as DataFrames. Both kill dlv and the program it started when they
close, whatever happened. `first_sighandler_hits` and `trace_sigint` are the experiments.
"""

import atexit
import itertools
import json
import os
import re
import signal
import socket
import subprocess
import threading
import time
import weakref
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pandas as pd
import pexpect

from . import samples, toolchain
from .errors import DelveError
from .procfs import name as signal_name
from .session import child_setup, signal_number

__all__ = [
    "Terminal", "Client", "Stop", "DelveError", "launch", "attach", "terminal",
    "first_sighandler_hits", "trace_sigint", "strip_ansi", "DEBUG_GCFLAGS",
]

# No optimisation, no inlining, in every package but the runtime: the compiler ignores -N
# there (cmd/compile sets Flag.N = 0 when compiling the runtime), so some runtime locals
# have no location at some lines. Arguments at a function's entry are readable.
DEBUG_GCFLAGS = "all=-N -l"
PROMPT = "(dlv) "
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
_LISTENING = re.compile(r"API server listening at: (\S+):(\d+)")
# Each stop loads this much of every variable (delve's own default for `print`).
_LOAD = {"FollowPointers": True, "MaxVariableRecurse": 1, "MaxStringLen": 64,
         "MaxArrayValues": 64, "MaxStructFields": -1}
_ids = itertools.count(1)
_live = weakref.WeakSet()


def strip_ansi(text):
    """`text` without terminal colour and cursor escape sequences, with plain \\n line ends."""
    return _ANSI.sub("", text).replace("\r\n", "\n").replace("\r", "")


def _dlv_env(extra=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GODEBUG", "GOMAXPROCS", "GOTRACEBACK"))}
    # dlv's telemetry would otherwise fork a daemon (`dlv ** telemetry **`) into its own
    # session, where no clean-up can reach it; "2" tells it to do nothing.
    env.update(GO_TELEMETRY_CHILD="2", TERM="dumb", **(extra or {}))
    return env


def _program(program, env, args):
    """(path, env, args) for a sample name (debug build, header Env/Args) or an executable's path."""
    if os.sep in str(program) or Path(program).is_file():
        return Path(program), dict(env or {}), tuple(args)
    sample = samples.find(str(program))
    path = samples.build(sample, gcflags=DEBUG_GCFLAGS)
    return path, {**sample.env, **(env or {})}, tuple(args or sample.args)


def _children(pid):
    """PIDs whose parent is `pid` (any of its threads)."""
    found = set()
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for tid in tasks:
        try:
            found.update(int(p) for p in Path(f"/proc/{pid}/task/{tid}/children").read_text().split())
        except (OSError, ValueError):
            pass
    return found


def _kill(pid, *, group=False):
    try:
        if group:
            if pid != os.getpgrp():
                os.killpg(pid, signal.SIGKILL)
        else:
            os.kill(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _gone(pid):
    """True when `pid` no longer runs (absent, or a zombie)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] in ("Z", "X")


# --- the terminal a student types into ---------------------------------------------


class Terminal:
    """dlv's own command line on a pseudo-terminal. Use `with`; see `terminal()`.

    `cmd()` types one command and returns what dlv printed until its next prompt;
    `transcript` keeps every (command, output) pair. The program under dlv runs in
    a process group of its own, so `ctrl_c()` reaches dlv only: dlv halts the
    program and does not forward the SIGINT. `kill()` signals the program from
    outside, which dlv forwards without stopping. Leaving the `with` quits dlv and
    kills the program, an attached one included: dlv's own kill of an attached
    program is a SIGINT after detaching (killProcess in delve's pkg/proc/native), so
    the program gets a second to act on it before SIGKILL.
    """

    def __init__(self, argv, *, env=None, timeout=30, attached_pid=None, label="dlv"):
        self.label = label
        self.timeout = timeout
        self.transcript = []
        self._pending = None
        self._seen = ""  # output that expect() consumed while a sent command runs
        self._attached = attached_pid
        self._pid = attached_pid
        self._child = pexpect.spawn(
            str(toolchain.dlv()), list(argv), env=_dlv_env(env), encoding="utf-8",
            codec_errors="replace", timeout=timeout, preexec_fn=child_setup, dimensions=(50, 200),
        )
        self._child.delaybeforesend = None
        self._child.delayafterclose = 0
        self._child.delayafterterminate = 0
        _live.add(self)
        try:
            self.banner = self._until_prompt(timeout)
        except BaseException:
            self.close()
            raise

    @classmethod
    def exec(cls, program, *, env=None, args=(), timeout=30):
        """`dlv exec PROGRAM -- ARGS`: a sample name (built for debugging) or an executable."""
        path, env, args = _program(program, env, args)
        argv = ["exec", str(path)] + (["--", *args] if args else [])
        return cls(argv, env=env, timeout=timeout, label=f"dlv exec {Path(path).name}")

    @classmethod
    def attach(cls, pid, *, timeout=30):
        """`dlv attach PID`: stops the running program where it is."""
        return cls(["attach", str(pid)], timeout=timeout, attached_pid=int(pid), label=f"dlv attach {pid}")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    @property
    def pid(self):
        """PID of the program under dlv (for exec: dlv's child, found in /proc)."""
        if self._pid is None:
            kids = _children(self._child.pid)
            self._pid = min(kids) if kids else None
        if self._pid is None:
            raise DelveError(f"{self.label}: no program runs under dlv (pid {self._child.pid})")
        return self._pid

    def _until_prompt(self, timeout):
        try:
            self._child.expect_exact(PROMPT, timeout=self.timeout if timeout is None else timeout)
        except pexpect.EOF:
            raise DelveError(f"{self.label} ended; it printed:\n{strip_ansi(self._child.before or '')}") from None
        except pexpect.TIMEOUT:
            raise DelveError(
                f"{self.label}: no `{PROMPT.strip()}` prompt within {timeout} s; output so far:\n"
                f"{strip_ansi(self._child.before or '')}\nA `continue` runs until a breakpoint: "
                "use send() and ctrl_c() for a program that does not stop by itself.") from None
        return strip_ansi(self._child.before)

    def _record(self, command, raw, *, echo=None):
        out = strip_ansi(raw)
        first, _, rest = out.partition("\n")
        if first.strip() == (command if echo is None else echo).strip():  # the echo of the line typed
            out = rest
        self.transcript.append((command, out))
        return out

    def cmd(self, command, *, timeout=None):
        """Type `command`, wait for the next prompt, return the output (colour codes stripped)."""
        if self._pending is not None:
            raise DelveError(f"`{self._pending}` is still running: call ctrl_c() or wait_prompt() first")
        self._pending = command  # until the prompt: close() then types Ctrl+C before quit
        self._child.sendline(command)
        out = self._until_prompt(timeout)
        self._pending = None
        return self._record(command, out)

    def send(self, command):
        """Type `command` without waiting for the prompt (for `continue` into a program that runs on)."""
        if self._pending is not None:
            raise DelveError(f"`{self._pending}` is still running: call ctrl_c() or wait_prompt() first")
        self._pending = command
        self._child.sendline(command)

    def expect(self, pattern, *, timeout=None):
        """While a sent command runs, wait for a regular expression in the output (e.g. READY)."""
        try:
            self._child.expect(pattern, timeout=self.timeout if timeout is None else timeout)
        except (pexpect.EOF, pexpect.TIMEOUT):
            raise DelveError(f"{self.label}: /{pattern}/ did not appear; output:\n"
                             f"{strip_ansi(self._seen + (self._child.before or ''))}") from None
        self._seen += self._child.before + self._child.after
        return self._child.after

    def wait_prompt(self, *, timeout=None):
        """Wait for the command given to send() to finish; return its output."""
        command, self._pending = self._pending, None
        return self._record(command or "", self._take_seen() + self._until_prompt(timeout))

    def ctrl_c(self, *, timeout=None):
        """Type Ctrl+C at dlv (the tty's INTR character) and return the output up to the prompt."""
        command, self._pending = self._pending, None
        self._child.sendintr()
        label = f"{command} + Ctrl+C" if command else "Ctrl+C"
        return self._record(label, self._take_seen() + self._until_prompt(timeout), echo=command)

    def _take_seen(self):
        seen, self._seen = self._seen, ""
        return seen

    def kill(self, signame="SIGINT"):
        """Send a signal to the program from outside (kill(2)); dlv forwards it silently."""
        os.kill(self.pid, signal_number(signame))

    def text(self):
        """The transcript as the screen showed it: `(dlv) command` lines, then the output."""
        return "".join(f"{PROMPT}{c}\n{o}" for c, o in self.transcript)

    def close(self):
        """Quit dlv and kill the program under it; safe to call twice."""
        child = self._child
        try:
            if child.isalive():
                self._quit()
        finally:
            if self._pid is None:
                kids = _children(child.pid)
                self._pid = min(kids) if kids else None
            if self._pid is not None:
                deadline = time.monotonic() + (1 if self._attached else 0)
                while not _gone(self._pid) and time.monotonic() < deadline:
                    time.sleep(0.01)  # dlv's kill of an attached program is a SIGINT: let it act
                if not _gone(self._pid):
                    _kill(self._pid)
            if child.isalive():
                _kill(child.pid, group=True)
            try:
                child.expect(pexpect.EOF, timeout=2)
            except (pexpect.EOF, pexpect.TIMEOUT, OSError, ValueError):
                pass
            child.close(force=True)
            _live.discard(self)

    def _quit(self):
        """`quit` (answering yes to killing an attached program), so dlv reaps what it started."""
        try:
            if self._pending is not None:
                self._pending = None
                child = self._child
                child.sendintr()
                child.expect_exact(PROMPT, timeout=2)
            self._child.sendline("quit")
            if self._child.expect([pexpect.EOF, r"\[Y/n\]"], timeout=3) == 1:
                self._child.sendline("y")
                self._child.expect(pexpect.EOF, timeout=3)
        except (pexpect.EOF, pexpect.TIMEOUT, OSError):
            pass


def terminal(program, *, env=None, args=(), timeout=30):
    """`dlv exec` on a sample (debug build, its header Env/Args) or an executable; a Terminal."""
    return Terminal.exec(program, env=env, args=args, timeout=timeout)


# --- the JSON-RPC client ---------------------------------------------------------


class _Connection:
    """One TCP connection to dlv: newline-delimited JSON-RPC 1.0, replies matched by id."""

    def __init__(self, addr, label):
        self.label = label
        self.sock = socket.create_connection(addr, timeout=10)
        self.buf = b""
        self.lock = threading.Lock()

    def call(self, method, params, timeout):
        with self.lock:
            rid = next(_ids)
            msg = {"method": f"RPCServer.{method}", "params": [params], "id": rid}
            self.sock.sendall(json.dumps(msg).encode() + b"\n")
            deadline = None if timeout is None else time.monotonic() + timeout
            while True:
                reply = self._read(deadline, method)
                if reply.get("id") == rid:  # an older reply (a cancelled continue) is skipped
                    break
        if reply.get("error"):
            raise DelveError(f"{self.label}: {method} failed: {reply['error']}")
        return reply.get("result") or {}

    def _read(self, deadline, method):
        while b"\n" not in self.buf:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                raise TimeoutError(f"{self.label}: no reply to {method}")
            self.sock.settimeout(0.25 if left is None else min(0.25, left))
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                continue
            if not chunk:
                raise DelveError(f"{self.label}: dlv closed the connection during {method}")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


@dataclass(frozen=True)
class Stop:
    """Where the program stopped after continue_() or halt()."""

    function: str | None
    file: str | None
    line: int | None
    goroutine: int | None
    thread: int | None
    breakpoint: int | None  # id of the breakpoint hit, None for a halt
    exited: bool = False
    exit_status: int | None = None
    timed_out: bool = False  # continue_ ran out of time and halted the program
    running: bool = False  # only from state(): the program runs on
    raw: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_state(cls, state, *, timed_out=False):
        th = state.get("currentThread") or {}
        fn = (th.get("function") or {}).get("name")
        bp = th.get("breakPoint") or {}
        g = state.get("currentGoroutine") or {}
        exited = bool(state.get("exited"))
        return cls(
            function=fn, file=th.get("file"), line=th.get("line"),
            goroutine=g.get("id") or th.get("goroutineID") or None, thread=th.get("id"),
            breakpoint=bp.get("id"), exited=exited,
            exit_status=state.get("exitStatus") if exited else None, timed_out=timed_out,
            running=bool(state.get("Running")), raw=state,
        )


class Client:
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
        _live.add(self)
        try:
            for stream, sink in ((self._proc.stdout, self._out), (self._proc.stderr, self._err)):
                threading.Thread(target=self._pump, args=(stream, sink), daemon=True).start()
            self.addr = self._await_listening(timeout)
            self._conn = _Connection(self.addr, label)
            self.pid = attached_pid or self._call("ProcessPid", {})["Pid"]
        except BaseException:
            self.close()
            raise

    @classmethod
    def exec(cls, program, *, env=None, args=(), timeout=30):
        """`dlv exec` a sample (built with gcflags all=-N -l, header Env/Args) or an executable.

        The program starts stopped at its entry point: set breakpoints, then continue_().
        """
        path, env, args = _program(program, env, args)
        argv = ["exec", str(path)] + (["--", *args] if args else [])
        return cls(argv, env=env, timeout=timeout, label=f"dlv exec {Path(path).name}")

    @classmethod
    def attach(cls, pid, *, timeout=30):
        """`dlv attach PID`: the running program stops until continue_() or detach()."""
        return cls(["attach", str(pid)], timeout=timeout, attached_pid=int(pid), label=f"dlv attach {pid}")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

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
                self._side = _Connection(self.addr, self.label)
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
        df = pd.DataFrame(rows, columns=["id", "function", "user_function", "location", "thread",
                                         "status", "wait_reason", "start_function", "go_statement"])
        df["thread"] = df["thread"].astype("Int64")
        return df.sort_values("id", ignore_index=True)

    def stacktrace(self, goroutine_id=-1, depth=20):
        """DataFrame of a goroutine's frames, innermost first: function, file, line (-1: the current one)."""
        locs = self._call("Stacktrace", {"Id": goroutine_id, "Depth": depth, "Full": False, "Cfg": None})["Locations"]
        rows = [{"function": _fn(l), "file": l.get("file"), "line": l.get("line")}
                for l in locs if _fn(l) or l.get("file")]  # past the outermost frame delve pads with blanks
        return pd.DataFrame(rows, columns=["function", "file", "line"])

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
        df = pd.DataFrame(rows, columns=["id", "goroutine", "function", "file", "line", "breakpoint"])
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
            _live.discard(self)

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


@cache
def _runtime_names():
    """({status number: name}, {wait reason number: text}) read from the installed runtime's source."""
    src = (toolchain.go().goroot / "src" / "runtime" / "runtime2.go").read_text()
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


# --- the experiments ---------------------------------------------------------------


def first_sighandler_hits(program="notify-spin", *, n=3, cond=None, send=None, after="READY", timeout=10):
    """Break on runtime.sighandler and report the first `n` hits: which signal each was for.

    Evaluates `sig` at each hit. With no `cond` the first hits are SIGURG, the
    preemption signal that sysmon (retake -> preemptone -> preemptM) sends to a
    goroutine that has run for 10 ms: notify-spin's spinning main.main gets one every
    ~20 ms under dlv. An idle program (notify-loop) gets one to three while it starts
    up under dlv, then none. (On linux/amd64 delve leaves async preemption on; on
    arm64 it turns it off.) With cond="sig == 2" and send="SIGINT" (sent with kill(2)
    once the program prints `after`) the first stop is the SIGINT: delve evaluates the
    condition at every SIGURG and continues by itself. Stops early when no hit comes
    within `timeout` s. Returns a DataFrame: hit, signal, name, goroutine (None when
    the signal interrupted a thread with no goroutine, e.g. an idle M in futex),
    thread, interrupted (the function the signal landed in).
    """
    rows = []
    with launch(program, timeout=timeout + 20) as dlv:
        dlv.create_breakpoint("runtime.sighandler", cond=cond)
        if send:
            dlv.send(send, after=after, timeout=timeout)
        for hit in range(1, n + 1):
            stop = dlv.continue_(timeout=timeout)
            if stop.exited or stop.timed_out or stop.function != "runtime.sighandler":
                break
            sig = dlv.eval("sig")
            frames = list(dlv.stacktrace(-1, depth=3)["function"])
            rows.append({"hit": hit, "signal": sig, "name": signal_name(sig), "goroutine": stop.goroutine,
                         "thread": stop.thread, "interrupted": frames[2] if len(frames) > 2 else None})
    df = pd.DataFrame(rows, columns=["hit", "signal", "name", "goroutine", "thread", "interrupted"])
    return df.astype({"goroutine": "Int64"})


def _signal_recv_return_line():
    """file, line of `return i` in the runtime's signal_recv (where it hands a signal to os/signal)."""
    path = toolchain.go().goroot / "src" / "runtime" / "sigqueue.go"
    lines = path.read_text().splitlines()
    start = next(i for i, l in enumerate(lines) if l.startswith("func signal_recv() uint32"))
    for i in range(start, len(lines)):
        if lines[i].strip() == "return i":
            return path, i + 1
        if lines[i] == "}":
            break
    raise DelveError(f"cannot find `return i` in signal_recv in {path}; the runtime changed: update trace_sigint")


def trace_sigint(program="notify-loop", *, signame="SIGINT", depth=8, timeout=10):
    """Follow one signal, sent with kill(2) once the program prints READY, through the runtime.

    Breakpoints, in the order the signal passes them: runtime.sighandler (on the
    signal stack of whichever thread the kernel picked), runtime.sigsend (sets the
    signal's bit and wakes the receiver), the return of signal_recv (implemented in
    runtime/sigqueue.go, named os/signal.signal_recv by its linkname, running on the
    os/signal.loop goroutine), and os/signal.process (sends to each Notify channel).
    The first two break only for this signal (SIGURG passes them too); the return
    of signal_recv has no condition, since only Notify'd signals get there and its
    local `i` has no location in the optimised runtime. Returns a DataFrame: order,
    function, goroutine, thread, stack (function names, innermost first).
    """
    num = signal_number(signame)
    recv_file, recv_line = _signal_recv_return_line()
    rows = []
    with launch(program, timeout=timeout + 20) as dlv:
        names = {
            dlv.create_breakpoint("runtime.sighandler", cond=f"sig == {num}"): "runtime.sighandler",
            dlv.create_breakpoint("runtime.sigsend", cond=f"s == {num}"): "runtime.sigsend",
            dlv.create_breakpoint(file=recv_file, line=recv_line):
                f"os/signal.signal_recv (returns, sigqueue.go:{recv_line})",
            dlv.create_breakpoint("os/signal.process"): "os/signal.process",
        }
        dlv.send(signame, after="READY", timeout=timeout)
        for order in range(1, len(names) + 1):
            stop = dlv.continue_(timeout=timeout)
            if stop.exited or stop.timed_out or stop.breakpoint not in names:
                break
            stack = list(dlv.stacktrace(-1, depth=depth)["function"])
            rows.append({"order": order, "function": names[stop.breakpoint], "goroutine": stop.goroutine,
                         "thread": stop.thread, "stack": " <- ".join(stack)})
    df = pd.DataFrame(rows, columns=["order", "function", "goroutine", "thread", "stack"])
    return df.astype({"goroutine": "Int64"})


@atexit.register
def _close_leftovers():
    for d in list(_live):
        d.close()


def goroutine_snapshot(program="notify-loop", *, settle=0.5, timeout=30):
    """Run `program` under headless delve until it has printed READY (and `settle` s more),
    halt it, and return its goroutines (DataFrame)."""
    with launch(program, timeout=timeout) as dbg:
        deadline = time.monotonic() + timeout
        while "READY" not in dbg.target_output:
            if time.monotonic() > deadline:
                raise DelveError(f"{program} did not print READY under delve within {timeout} s")
            stop = dbg.continue_(timeout=settle)
            if stop.exited:
                raise DelveError(f"{program} exited under delve before printing READY")
        return dbg.goroutines()

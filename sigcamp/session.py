"""Running a program under a real pseudo-terminal, as a student would at a shell.

`start()` spawns a sample (or any executable) with pexpect on a fresh PTY whose
foreground process group it leads, so `ctrl_c()` is the tty's INTR character
and the line discipline sends SIGINT. Leaving the `with` block kills the whole
process group (and the program's own group) and reaps it, whatever happened.
"""

import atexit
import ctypes
import os
import re
import signal
import sys
import tempfile
import time
import weakref
from dataclasses import dataclass, field
from pathlib import Path

import pexpect

from . import procfs, samples
from .procfs import name as signal_name, number as _number
from .errors import NotReady

_PR_SET_PDEATHSIG = 1
_live = weakref.WeakSet()


def child_setup():
    """Runs in the child before exec: default dispositions, nothing blocked, die with the parent."""
    for sig in (signal.SIGINT, signal.SIGQUIT, signal.SIGTERM, signal.SIGHUP, signal.SIGPIPE,
                signal.SIGXFSZ, signal.SIGCHLD, signal.SIGUSR1, signal.SIGUSR2):
        signal.signal(sig, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


@dataclass
class Outcome:
    """How a run ended, what it printed, and when things happened (CLOCK_MONOTONIC ns).

    stamps: the `STAMP <label> <ns>` lines the program printed, by label.
    """

    exit_code: int | None
    signal: str | None
    output: str
    alive: bool
    started_ns: int
    ready_ns: int | None
    sent_ns: int | None
    ended_ns: int
    stamps: dict = field(default_factory=dict)

    @property
    def shell_status(self):
        """The status a shell would print: the exit code, or 128 + the signal number; None if it survived."""
        if self.alive:
            return None
        if self.signal:
            return 128 + _number(self.signal)
        return self.exit_code

    @property
    def how(self):
        """'exit 130', 'killed by SIGINT' or 'survived (killed after the wait)'."""
        if self.alive:
            return "survived"
        if self.signal:
            return f"killed by {self.signal}"
        return f"exit {self.exit_code}"

    @property
    def transcript(self):
        """What the program printed, without the STAMP lines it prints for the library."""
        from .display import transcript

        return transcript(self.output)

    @property
    def handler_latency_ms(self):
        """From the last send to the program's `STAMP received`, in ms; None without both."""
        if self.sent_ns is None or "received" not in self.stamps:
            return None
        return (self.stamps["received"] - self.sent_ns) / 1e6

    @property
    def exit_latency_ms(self):
        """From the last send to the end of the program's output (its exit), in ms."""
        if self.sent_ns is None or self.alive:
            return None
        return (self.ended_ns - self.sent_ns) / 1e6


class Running:
    """A program running on its own PTY. Use as a context manager (see start())."""

    def __init__(self, argv, *, env, ready, timeout, launch, label):
        self.label = label
        self.launch = launch
        self.timeout = timeout
        self._pidfile = None
        self._pgids = set()
        self.started_ns = time.monotonic_ns()
        self.ready_ns = None
        self.sent_ns = None
        self._output = ""
        self.outcome = None
        if launch != "direct":
            fd, self._pidfile = tempfile.mkstemp(prefix="sigcamp-pid-")
            os.close(fd)
            os.unlink(self._pidfile)
            argv = [sys.executable, "-m", "sigcamp.launcher", launch, self._pidfile, *argv]
        self._child = pexpect.spawn(
            argv[0], argv[1:], env=env, encoding="utf-8", codec_errors="replace",
            echo=False, timeout=timeout, preexec_fn=child_setup, dimensions=(24, 200),
        )
        self._child.delaybeforesend = None
        self._child.delayafterclose = 0
        self._child.delayafterterminate = 0
        self._child.ptyproc.delayafterclose = 0  # ptyprocess sleeps 0.1 s on close otherwise
        self._child.ptyproc.delayafterterminate = 0
        self._pgids.add(self._child.pid)
        _live.add(self)
        self.pid = self._child.pid if launch == "direct" else None
        try:
            if ready:
                self._await_ready(ready, timeout)
            if self.pid is None:
                self.pid = self._await_pidfile(timeout)
            try:
                self._pgids.add(os.getpgid(self.pid))
            except ProcessLookupError:
                pass  # it already ended right after its ready line; wait() reports how
        except BaseException:
            self.close()
            raise

    def _await_ready(self, ready, timeout):
        try:
            self._child.expect_exact(ready, timeout=timeout)
        except pexpect.EOF:
            self._reap()
            raise NotReady(
                f"{self.label} exited before printing {ready!r} ({self._status_text()}); "
                f"its output:\n{self._child.before}", self._child.before) from None
        except pexpect.TIMEOUT:
            out = self._child.before
            raise NotReady(
                f"{self.label} did not print {ready!r} within {timeout} s; its output so far:\n{out}\n"
                "Check that the program prints its ready line once its handlers are installed.",
                out) from None
        self.ready_ns = time.monotonic_ns()
        self._output += self._child.before + self._child.after

    def _await_pidfile(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                return int(Path(self._pidfile).read_text())
            except (OSError, ValueError):
                time.sleep(0.005)
        raise NotReady(f"{self.label}: the launcher never reported the program's PID")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    # --- acting on the program -------------------------------------------------

    def ctrl_c(self):
        """Type the terminal's INTR character (Ctrl+C): the tty signals its foreground group."""
        self.sent_ns = time.monotonic_ns()
        self._child.sendintr()

    def send(self, signame):
        """kill(2) the program with a signal given by name, e.g. "SIGTERM"."""
        num = signal_number(signame)
        self.sent_ns = time.monotonic_ns()
        os.kill(self.pid, num)

    def expect(self, pattern, timeout=None):
        """Wait for a regular expression in the output; returns the matched text."""
        try:
            self._child.expect(pattern, timeout=self.timeout if timeout is None else timeout)
        except pexpect.EOF:
            raise NotReady(f"{self.label} ended before printing /{pattern}/; output:\n{self.output}") from None
        except pexpect.TIMEOUT:
            raise NotReady(f"{self.label} did not print /{pattern}/ in time; output:\n{self.output}") from None
        self._output += self._child.before + self._child.after
        return self._child.after

    def pause(self, seconds):
        """Let `seconds` pass while reading the program's output, as a terminal would, so a program
        that prints a lot never blocks on a full terminal. Returns early if the program ends."""
        # Take what pexpect read past the last match; its `before` for the next expect starts empty.
        chunks, self._child.buffer, self._child._before = [self._child.buffer or ""], "", self._child.buffer_type()
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                chunks.append(self._child.read_nonblocking(1 << 16, timeout=min(left, 0.5)))
            except pexpect.TIMEOUT:
                continue
            except (pexpect.EOF, OSError):
                break
        self._output += "".join(chunks)

    @property
    def output(self):
        """Everything read from the program so far (the full text once it has ended)."""
        if self.outcome is not None:
            return self.outcome.output
        return (self._output + (self._child.buffer or "")).replace("\r\n", "\n")

    def alive(self):
        return self._child.isalive()

    def wait(self, timeout=5.0):
        """Wait for the program to end; after `timeout` s kill it. Returns an Outcome."""
        if self.outcome is not None:
            return self.outcome
        alive = False
        try:
            self._child.expect(pexpect.EOF, timeout=timeout)
            ended = time.monotonic_ns()
        except pexpect.TIMEOUT:
            ended = time.monotonic_ns()
            alive = True
        self._output += self._child.before or ""
        if alive:
            self._kill()
        self._reap()
        code, sig = (None, None) if alive else (self._child.exitstatus, self._child.signalstatus)
        self.outcome = Outcome(
            exit_code=code, signal=signal_name(sig) if sig else None, output=self._output.replace("\r\n", "\n"),
            alive=alive, started_ns=self.started_ns, ready_ns=self.ready_ns, sent_ns=self.sent_ns,
            ended_ns=ended, stamps=parse_stamps(self._output),
        )
        return self.outcome

    # --- cleaning up -----------------------------------------------------------

    def _kill(self):
        for pgid in list(self._pgids):
            try:
                os.killpg(pgid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    def _reap(self):
        try:
            self._child.expect(pexpect.EOF, timeout=2)
        except (pexpect.TIMEOUT, pexpect.EOF, OSError, ValueError):
            pass
        deadline = time.monotonic() + 5
        while self._child.isalive() and time.monotonic() < deadline:
            self._kill()
            time.sleep(0.01)
        try:
            self._child.close(force=True)
        except Exception:
            pass

    def _status_text(self):
        if self._child.signalstatus:
            return f"killed by {signal_name(self._child.signalstatus)}"
        return f"exit {self._child.exitstatus}"

    def _left(self):
        """Live processes of the run's process groups, and the program itself."""
        return [pid for pid, pgrp, _ in procfs.live_processes() if pgrp in self._pgids or pid == self.pid]

    def close(self):
        """Kill every process group of the run and reap; when it returns, none of them runs any
        more. Safe to call twice."""
        if self.outcome is None:
            self._kill()
            self._reap()
        procfs.kill_until_gone(self._left)
        if self._pidfile:
            Path(self._pidfile).unlink(missing_ok=True)
        _live.discard(self)


def signal_number(name):
    """2 for "SIGINT" or "INT"; raises ValueError naming the problem."""
    name = name.upper()
    return _number(name if name.startswith("SIG") else "SIG" + name)


def parse_stamps(output):
    """{label: ns} from lines `STAMP <label> <ns>` (the last of each label wins)."""
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"STAMP (\S+) (\d+)", output)}


def start(program, *, env=None, args=(), ready="READY", timeout=10, launch=None):
    """Start `program` (a sample name or a path to an executable) on a fresh PTY.

    A sample's header Env, Args and Launch apply unless overridden. Waits for
    `ready` in its output (None: don't wait). Returns a Running; use `with`.
    """
    base_env, base_args, base_launch = {}, (), "direct"
    if os.sep in str(program) or Path(program).is_file():
        path, label = Path(program), str(program)
    else:
        sample = samples.find(str(program))
        path, label = samples.build(sample), sample.name
        base_env, base_args, base_launch = sample.env, sample.args, sample.launch
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("GODEBUG", "GOMAXPROCS", "GOTRACEBACK"))}
    full_env.update({"TERM": "dumb", **base_env, **(env or {})})
    argv = [str(path), *(args or base_args)]
    return Running(argv, env=full_env, ready=ready, timeout=timeout, launch=launch or base_launch, label=label)


def run(program, send="ctrl-c", *, wait=5.0, env=None, args=(), launch=None, timeout=10):
    """Start, send (a signal name, "ctrl-c", or None), wait, clean up; return the Outcome."""
    with start(program, env=env, args=args, launch=launch, timeout=timeout) as r:
        if send == "ctrl-c":
            r.ctrl_c()
        elif send:
            r.send(send)
        return r.wait(wait)


@atexit.register
def _kill_leftovers():
    for r in list(_live):
        r.close()

"""Driving delve, the Go debugger, as a student types it; its JSON-RPC API is in delve_rpc.

`Terminal` runs `dlv exec`/`dlv attach` on a pseudo-terminal and returns each
command's output. `Client` (delve_rpc) drives a headless dlv and returns
goroutines, stacks and threads as DataFrames. Both kill dlv and the program it
started when they close, whatever happened.
"""

import os
import time

import pexpect

from . import toolchain
from .delve_process import (DEBUG_GCFLAGS, Debugger, children as _children, dlv_env as _dlv_env, forget, gone as _gone,
                            kill as _kill, register, strip_ansi)
from .delve_rpc import Client, attach, launch
from .delve_wire import Stop
from .errors import DelveError
from .session import child_setup, signal_number

__all__ = [
    "Terminal", "Client", "Stop", "DelveError", "launch", "attach", "terminal", "strip_ansi", "DEBUG_GCFLAGS",
]

PROMPT = "(dlv) "


# --- the terminal a student types into ---------------------------------------------


class Terminal(Debugger):
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
        register(self)
        try:
            self.banner = self._until_prompt(timeout)
        except BaseException:
            self.close()
            raise

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
            forget(self)

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


"""dlv and the program under it as processes: how they start, how they are found, how they end.

Shared by the two delve drivers (`delve.Terminal`, `delve_rpc.Client`): the
environment dlv runs in, a sample built for debugging, and a clean-up that
kills dlv and its program whatever happened, also when Python exits.
"""

import atexit
import os
import re
import signal
import weakref
from pathlib import Path

from . import samples

# No optimisation, no inlining, in every package but the runtime: the compiler ignores -N
# there (cmd/compile sets Flag.N = 0 when compiling the runtime), so some runtime locals
# have no location at some lines. Arguments at a function's entry are readable.
DEBUG_GCFLAGS = "all=-N -l"
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
_live = weakref.WeakSet()  # every Terminal and Client not yet closed


def register(debugger):
    """Remember a Terminal or Client, so Python's exit closes it if nobody else did."""
    _live.add(debugger)


def forget(debugger):
    """A closed Terminal or Client: nothing left to clean up."""
    _live.discard(debugger)


def strip_ansi(text):
    """`text` without terminal colour and cursor escape sequences, with plain \\n line ends."""
    return _ANSI.sub("", text).replace("\r\n", "\n").replace("\r", "")


def dlv_env(extra=None):
    """The environment dlv runs in: ours without the Go run-time settings meant for programs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GODEBUG", "GOMAXPROCS", "GOTRACEBACK"))}
    # dlv's telemetry would otherwise fork a daemon (`dlv ** telemetry **`) into its own
    # session, where no clean-up can reach it; "2" tells it to do nothing.
    env.update(GO_TELEMETRY_CHILD="2", TERM="dumb", **(extra or {}))
    return env


def program_and_env(program, env, args):
    """(path, env, args) for a sample name (debug build, header Env/Args) or an executable's path."""
    if os.sep in str(program) or Path(program).is_file():
        return Path(program), dict(env or {}), tuple(args)
    sample = samples.find(str(program))
    path = samples.build(sample, gcflags=DEBUG_GCFLAGS)
    return path, {**sample.env, **(env or {})}, tuple(args or sample.args)


def children(pid):
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


def kill(pid, *, group=False):
    """SIGKILL a process (or its process group, never our own); quiet when it is already gone."""
    try:
        if group:
            if pid != os.getpgrp():
                os.killpg(pid, signal.SIGKILL)
        else:
            os.kill(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def gone(pid):
    """True when `pid` no longer runs (absent, or a zombie)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] in ("Z", "X")


@atexit.register
def _close_leftovers():
    for d in list(_live):
        d.close()


class Debugger:
    """What both delve drivers share: started on a program (exec) or a running process (attach), used with
    `with`, closed on leaving it. A subclass takes (argv, env=, timeout=, attached_pid=, label=) and has close()."""

    @classmethod
    def exec(cls, program, *, env=None, args=(), timeout=30):
        """`dlv exec PROGRAM -- ARGS`: a sample name (built for debugging, with its header's Env and Args) or an
        executable. The program starts stopped at its entry point."""
        path, env, args = program_and_env(program, env, args)
        argv = ["exec", str(path)] + (["--", *args] if args else [])
        return cls(argv, env=env, timeout=timeout, label=f"dlv exec {Path(path).name}")

    @classmethod
    def attach(cls, pid, *, timeout=30):
        """`dlv attach PID`: the running program stops where it is."""
        return cls(["attach", str(pid)], timeout=timeout, attached_pid=int(pid), label=f"dlv attach {pid}")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

"""Looking at a live program with gdb in batch mode, as DataFrames.

Each function runs one bounded `gdb -batch`: attaching stops the target for a
moment, gdb detaches when done (the program runs on), and a gdb that hangs is
killed with its process group and the target is sent SIGCONT.
"""

import os
import re
import signal
import subprocess

import pandas as pd

from . import procfs, samples, toolchain
from .errors import SigcampError
from .i18n import N_

_THREAD = re.compile(r'^Thread (\d+) \(.*?LWP (\d+)\)?(?: "([^"]*)")?\):')
_FRAME = re.compile(r"^#(\d+)\s+(?:(0x[0-9a-f]+) in )?(.*)$")
_WHERE = re.compile(r" (at|from) (\S+)$")
_SIGNAL_ROW = re.compile(r"^(\S+)\s+(Yes|No)\s+(Yes|No)\s+(Yes|No)\s+(.*)$")
_GOROUTINE = re.compile(r"^([ *])\s*(\d+)\s+(\S+)\s+(.*)$")


def run_bounded(argv, *, timeout, env=None, cont_pid=None):
    """Run argv in its own process group; return CompletedProcess (text).

    On timeout, error or KeyboardInterrupt the whole group is killed and reaped;
    `cont_pid` (a process the command may have left stopped) then gets SIGCONT.
    A timeout raises SigcampError.
    """
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                            text=True, env=env, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except BaseException as e:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.communicate()
        if cont_pid is not None:
            try:
                os.kill(cont_pid, signal.SIGCONT)
            except ProcessLookupError:
                pass
        if isinstance(e, subprocess.TimeoutExpired):
            raise SigcampError(f"`{' '.join(map(str, argv))}` did not finish within {timeout} s and was "
                               "killed; is the machine overloaded or the target stuck?") from None
        raise
    return subprocess.CompletedProcess(argv, proc.returncode, out, err)


def _gdb(target, commands, *, timeout, init=()):
    """Run gdb -batch with `commands` on a PID (attach, then detach) or an executable path, or nothing."""
    argv = [str(toolchain.gdb()), "-batch", "-nx"]
    for cmd in init:
        argv += ["-iex", cmd]
    pid = None
    if isinstance(target, int):
        pid = target
        argv += ["-p", str(pid)]
    elif target is not None:
        argv.append(str(target))
    for cmd in commands:
        argv += ["-ex", cmd]
    if pid is not None:
        argv += ["-ex", "detach"]
    proc = run_bounded(argv, timeout=timeout, cont_pid=pid)
    if pid is not None and "ptrace:" in proc.stderr:
        raise SigcampError(f"gdb could not attach to PID {pid} (is it running, or already traced by "
                           f"strace/delve?):\n{proc.stderr.strip()}")
    return proc


def thread_backtraces(pid, *, timeout=30):
    """`thread apply all bt` of a running process: one row per frame.

    Columns: thread (gdb's number), lwp (the kernel TID), name, frame, address,
    function, location (file:line or library). attrs["raw"] holds gdb's text.
    """
    proc = _gdb(int(pid), ["thread apply all bt"], timeout=timeout, init=["set auto-load python-scripts off"])
    df = parse_backtraces(proc.stdout)
    if df.empty:
        raise SigcampError(f"gdb printed no backtrace for PID {pid}:\n{proc.stderr.strip() or proc.stdout}")
    df.attrs["raw"] = proc.stdout
    return df


def parse_backtraces(text):
    """A DataFrame of frames from the text of `thread apply all bt`."""
    rows, thread = [], None
    for line in text.splitlines():
        m = _THREAD.match(line)
        if m:
            thread = (int(m.group(1)), int(m.group(2)), m.group(3))
            continue
        m = _FRAME.match(line)
        if not (m and thread):
            continue
        rest, location = m.group(3), None
        w = _WHERE.search(rest)
        if w:
            rest, location = rest[: w.start()], w.group(2)
        rows.append({"thread": thread[0], "lwp": thread[1], "name": thread[2], "frame": int(m.group(1)),
                     "address": m.group(2), "function": rest.split(" (", 1)[0], "location": location})
    return pd.DataFrame(rows, columns=["thread", "lwp", "name", N_("frame"), "address", N_("function"),
                                       N_("location")])


def info_signals(target=None, signals=("SIGINT",), *, handle=(), timeout=30):
    """gdb's table of what it does with signals: signal, stop, print, pass, description.

    target: None (gdb's defaults), a sample name, an executable's path, or a PID
    to attach to.
    signals: names (SIGRTMIN+n allowed), or None for every signal gdb knows.
    handle: `handle` arguments applied first, e.g. ("SIGINT nostop noprint pass",).
    """
    if isinstance(target, str) and target.isdigit():
        target = int(target)
    elif isinstance(target, str) and os.sep not in target and not os.path.exists(target):
        target = samples.build(target)
    names = [_gdb_name(s) for s in signals] if signals is not None else [None]
    commands = [f"handle {h}" for h in handle]
    commands += ["info signals" + (f" {n}" if n else "") for n in names]
    proc = _gdb(target, commands, timeout=timeout, init=["set auto-load python-scripts off"])
    rows = {}
    for line in proc.stdout.splitlines():
        m = _SIGNAL_ROW.match(line.strip())
        if m:
            rows[m.group(1)] = {"signal": m.group(1), "stop": m.group(2) == "Yes", "print": m.group(3) == "Yes",
                                "pass": m.group(4) == "Yes", "description": m.group(5).strip()}
    missing = [n for n in names if n and n not in rows]
    if missing:
        raise SigcampError(f"gdb has no entry for {', '.join(missing)}:\n{(proc.stdout + proc.stderr).strip()}")
    return pd.DataFrame(list(rows.values()), columns=["signal", "stop", "print", "pass", "description"])


def _gdb_name(signame):
    """gdb's spelling: SIGINT stays, SIGRTMIN+3 (glibc numbering) becomes SIG37."""
    signame = signame.upper()
    if not signame.startswith("SIG"):
        signame = "SIG" + signame
    if signame.startswith("SIGRTMIN"):
        return f"SIG{procfs.number(signame if '+' in signame else signame + '+0')}"
    return signame


def goroutines(pid, *, timeout=30):
    """`info goroutines` of a running Go program: goid, status, on_thread, function.

    Uses the runtime's gdb script (GOROOT/src/runtime/runtime-gdb.py), which gdb
    only loads from a safe path; on_thread marks goroutines running on an M.
    `function` is where the goroutine last switched (stale for running ones).
    """
    safe = toolchain.go().goroot / "src" / "runtime"
    proc = _gdb(int(pid), ["info goroutines"], timeout=timeout, init=[f"add-auto-load-safe-path {safe}"])
    rows = []
    for line in proc.stdout.splitlines():
        m = _GOROUTINE.match(line)
        if m:
            rows.append({"goid": int(m.group(2)), "status": m.group(3), "on_thread": m.group(1) == "*",
                         "function": m.group(4).strip()})
    if not rows:
        raise SigcampError(
            f"`info goroutines` listed nothing for PID {pid}. It needs a Go binary built with DWARF and the "
            f"runtime's gdb script from {safe}:\n{proc.stderr.strip()}")
    return pd.DataFrame(rows, columns=["goid", "status", "on_thread", "function"]).sort_values(
        "goid", ignore_index=True)

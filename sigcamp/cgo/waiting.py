"""C code that blocks a signal on its thread and sleeps in pthread_cond_wait (the article's 3.1).

The waiter is a goroutine inside a cgo call that never returns: its thread's
masks from /proc, its system calls under strace, its C frames from gdb, and
signals aimed at it with kill(2) and tgkill(2).
"""

import os
import re
import tempfile
import time
from pathlib import Path

import pandas as pd

from .. import gdb, i18n, masks, procfs, samples, session, toolchain, trace
from ..errors import SigcampError
from ..i18n import N_, _
from .common import BLOCKED_WAITER, PLAIN_WAITER, notify_got, thread_events, tid_in

WAITER_CALLS = trace.CALLS + ("futex",)
BEFORE_ANY = N_("before any signal")  # not "waiting": delve shows that as a goroutine status, kept as it is
AIMED_AT_WAITER = i18n.pattern(N_("tgkill(waiter, {signal})"))


def waiter_masks(sample=BLOCKED_WAITER):
    """Per-thread masks of the running sample, the pthread_cond_wait thread marked.

    attrs: "tid" (the waiter), "masks" (every thread's decoded masks, for masks_map).
    """
    with session.start(sample) as prog:
        tid = tid_in(prog.output)
        df = masks.blocked_summary(prog.pid)
        snapshot = masks.settled_masks(prog.pid)
    df.insert(2, "in pthread_cond_wait", df["tid"] == tid)
    df.attrs.update(tid=tid, masks=snapshot, pid=int(df["tid"][df["main thread"]].iloc[0]))
    return df


def waiter_kill_vs_tgkill(sample=BLOCKED_WAITER):
    """tgkill(SIGINT) at the waiter (it blocks SIGINT), then kill(SIGINT) at the process.

    One row per step (masks.one_thread_blocks); attrs["masks"] is every
    thread's masks just after the tgkill, with SIGINT pending on the waiter.
    """
    return masks.one_thread_blocks(sample)


def waiter_calls(sample=BLOCKED_WAITER):
    """The waiting thread's signal-mask and futex calls under strace, up to the program's end.

    The program is sent SIGINT with kill(2) once it is READY. attrs: "tid",
    "outcome", "events" (every thread's events).
    """
    events = trace.trace(sample, send="SIGINT", wait=3, calls=WAITER_CALLS)
    tid = tid_in(events.attrs["outcome"].output)
    df = thread_events(events, tid)
    df.attrs.update(tid=tid, outcome=events.attrs["outcome"], events=events)
    return df


def waiter_frames(sample=BLOCKED_WAITER):
    """gdb's backtrace of the thread that waits in pthread_cond_wait (C frames, then the cgo call).

    Frames gdb cannot name (past the switch to the system stack) are left out.
    """
    with session.start(sample) as prog:
        tid = tid_in(prog.output)
        frames = gdb.thread_backtraces(prog.pid)
    df = frames[(frames["lwp"] == tid) & (frames["function"] != "??")]
    df = df[["frame", "function", "location"]].reset_index(drop=True)
    df.attrs["tid"] = tid
    return df


def _strace_child(strace_pid, exe, timeout):
    """PID of strace's child once it runs `exe`."""
    deadline = time.monotonic() + timeout
    exe = os.path.realpath(exe)
    while time.monotonic() < deadline:
        try:
            kids = Path(f"/proc/{strace_pid}/task/{strace_pid}/children").read_text().split()
        except OSError:
            kids = []
        for kid in kids:
            try:
                if os.readlink(f"/proc/{kid}/exe") == exe:
                    return int(kid)
            except OSError:
                pass
        time.sleep(0.005)
    raise SigcampError(f"strace (PID {strace_pid}) did not start {exe} within {timeout} s")


def _traced(sample, during, *, calls=WAITER_CALLS, wait=3.0, timeout=20):
    """Run a sample under strace; once READY call during(pid, running); return (events, its result)."""
    path = samples.build(sample)
    spec = samples.find(sample)
    toolchain.BUILD.mkdir(parents=True, exist_ok=True)
    fd, out = tempfile.mkstemp(prefix="strace-", suffix=".txt", dir=toolchain.BUILD)
    os.close(fd)
    try:
        argv = trace.strace_command([path, *spec.args], output=out, calls=calls)
        with session.start(argv[0], args=argv[1:], env=spec.env, timeout=timeout) as run:
            result = during(_strace_child(run.pid, path, timeout), run)
            outcome = run.wait(wait)
        events = trace.parse(Path(out).read_text())
    finally:
        Path(out).unlink(missing_ok=True)
    events.attrs["outcome"] = outcome
    return events, result


def cond_wait_signals(sample=PLAIN_WAITER, signals=("SIGUSR1", "SIGRTMIN+1")):
    """tgkill(2) each signal at a thread waiting in pthread_cond_wait (no mask of its own), under strace.

    One row per step: the waiter's SigBlk and SigPnd, and what the program printed.
    SIGTERM ends the program. attrs: "events" (the waiter's strace events),
    "outcome", "tid", "sent" (the signals aimed at the waiter).
    """
    def during(pid, run):
        tid = tid_in(run.output)
        rows = []

        def observe(step):
            st = procfs.thread_status(pid, tid)
            rows.append({N_("step"): step, N_("waiter blocks"): trace.describe_mask(st["blocked"]),
                         N_("waiter pending"): trace.describe_mask(st["pending"]),
                         N_("Notify got so far"): notify_got(run.output)})

        observe(BEFORE_ANY)
        for n, sig in enumerate(signals, 1):
            masks.tgkill(pid, tid, sig)
            deadline = time.monotonic() + 5
            while len(re.findall(r"got signal: ", run.output)) < n and time.monotonic() < deadline:
                run.expect(r"got signal: [^\n]+\n", timeout=max(0.1, deadline - time.monotonic()))
            observe(AIMED_AT_WAITER.format(signal=sig))
        os.kill(pid, procfs.number("SIGTERM"))
        return tid, rows

    events, (tid, rows) = _traced(sample, during)
    df = pd.DataFrame(rows)
    df.attrs.update(tid=tid, outcome=events.attrs["outcome"], events=thread_events(events, tid),
                    sent=tuple(signals))
    return df


def calls_caption(calls):
    """The caption of waiter_calls()'s table in the reader's language: the waiting thread and how the program ended."""
    return _("waiting thread {tid}; the program: {ended}").format(tid=calls.attrs["tid"],
                                                                  ended=i18n.value(calls.attrs["outcome"].how))

"""A C event loop in epoll_wait on a Go thread (cgo): what signals do to it, and whether Ctrl+C still works.

`run()` starts c_samples/cgo-epoll-loop in a few set-ups, lets the runtime's
own garbage collections run for a while, aims SIGUSR1 at the loop's thread
(tgkill) and at the process (kill), then types Ctrl+C. Each row counts the
EINTRs the C loop saw and says how the program ended.
"""

import re
from dataclasses import dataclass

import pandas as pd

from . import i18n, masks, session
from .eintr import GONE, IN_SYSCALL
from .i18n import N_

SAMPLE = "cgo-epoll-loop"
_EPOLL_WAIT = {"x86_64": ("232", "281"), "aarch64": ("22",)}  # epoll_wait, epoll_pwait


@dataclass(frozen=True)
class Setup:
    title: str
    args: tuple  # always given: an empty tuple would run the header's Args
    aim: str = "SIGUSR1"  # what tgkill sends to the loop's thread


SETUPS = (
    Setup(N_("Notify(SIGINT, SIGUSR1), loop retries on EINTR"), ("-notify",)),
    Setup(N_("no Notify, loop retries on EINTR"), ("-notify=false",)),
    Setup(N_("no Notify, loop gives up on EINTR"), ("-notify=false", "-retry=false")),
    Setup(N_("no Notify, SIGINT aimed at the loop's thread"), ("-notify=false",), aim="SIGINT"),
)
# What the loop is doing (data; translated on display)
IN_EPOLL_WAIT, ENDED = N_("in epoll_wait"), N_("gone (the program ended)")
NOT_NEEDED = i18n.pattern(N_("not needed: {ended}"))


def _eintrs(text):
    return len(re.findall(r"^EINTR \d+$", text, re.M))


def loop_state(pid, tid):
    """'in epoll_wait' when /proc/PID/task/TID/syscall shows it, else what the thread does."""
    import os

    try:
        nr = open(f"/proc/{pid}/task/{tid}/syscall").read().split()[0]
    except OSError:
        return GONE
    if nr in _EPOLL_WAIT.get(os.uname().machine, ()):
        return IN_EPOLL_WAIT
    return "running" if nr == "running" else IN_SYSCALL.format(number=nr)


def run_setup(setup, *, quiet_s=0.5, aimed=5, to_process=5, gap_s=0.02):
    """One run: quiet_s of background GC, `aimed` signals at the loop's thread, `to_process` SIGUSR1 at
    the process, then Ctrl+C. Returns a dict (one row of run()'s table)."""
    with session.start(SAMPLE, args=setup.args) as prog:
        pid = prog.pid
        tid = int(re.search(r"LOOP tid=(\d+)", prog.output).group(1))
        before = loop_state(pid, tid)
        prog.pause(quiet_s)
        quiet = _eintrs(prog.output)
        sent_aimed = 0
        for _ in range(aimed if setup.aim == "SIGUSR1" else 1):
            if not prog.alive():
                break
            try:
                masks.tgkill(pid, tid, setup.aim)
            except OSError:
                break  # the loop's thread has ended
            sent_aimed += 1
            prog.pause(gap_s)
        prog.pause(0.1)
        after_aimed = _eintrs(prog.output)
        sent_proc = 0
        for _ in range(to_process if prog.alive() else 0):
            prog.send("SIGUSR1")
            sent_proc += 1
            prog.pause(gap_s)
        prog.pause(0.1)
        after_proc = _eintrs(prog.output)
        returned = re.search(r"^LOOP returned (-?\d+)", prog.output, re.M)
        state = f"returned {returned.group(1)}" if returned else loop_state(pid, tid)  # the loop's own words
        ended_by_aim = not prog.alive()
        if not ended_by_aim:
            prog.ctrl_c()
        outcome = prog.wait(5)
    out = outcome.output
    return {
        N_("setup"): setup.title, N_("loop thread"): tid, N_("before"): before,
        N_("EINTR in quiet_s of GC"): quiet,
        N_("loop on the main thread"): tid == pid,
        N_("aimed at the loop's thread (tgkill)"): f"{sent_aimed} × {setup.aim}",
        N_("EINTR from them"): after_aimed - quiet,
        N_("SIGUSR1 to the process"): sent_proc, N_("EINTR from those"): after_proc - after_aimed,
        N_("Notify deliveries"): len(re.findall(r"^GO got user defined signal 1$", out, re.M)),
        N_("loop afterwards"): state if not ended_by_aim else ENDED,
        "Ctrl+C": NOT_NEEDED.format(ended=outcome.how) if ended_by_aim else outcome.how,
        "quiet_s": quiet_s,
    }


def run(setups=SETUPS, **kw):
    """One run per set-up; one row each (see run_setup)."""
    return pd.DataFrame([run_setup(s, **kw) for s in setups])

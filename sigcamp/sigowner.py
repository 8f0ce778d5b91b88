"""A C thread that owns a signal: sigwaitinfo, the article's polling patch, and what Go does meanwhile.

`owner_run()` runs c_samples/sigwait-owner one way (how SIGUSR1 is blocked, whether
Go calls Notify too, whether the owner waits or polls), sends SIGUSR1 and counts
who got each; `sigtimedwait_timeouts()` shows when EAGAIN comes back;
`gc_while_owner_waits()` times runtime.GC() while the owner sleeps inside a cgo call.
"""

import os
import re
import textwrap
import time
from pathlib import Path

import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import numpy as np
import pandas as pd

from . import masks, procfs, session
from .figures import figure

SAMPLE = "sigwait-owner"
OWNER_CASES = (("thread", "", "sigwaitinfo"), ("late", "", "sigwaitinfo"), ("constructor", "", "sigwaitinfo"),
               ("constructor", "notify", "sigwaitinfo"), ("constructor", "notify-after", "sigwaitinfo"),
               ("thread", "", "poll"), ("constructor", "", "poll"))
HOW = {"thread": "the owner thread only", "late": "main() on its thread, then the owner",
       "constructor": "a C constructor, before the runtime"}
NOTIFY = {"": "no", "notify": "yes, before the owner starts", "notify-after": "yes, after the owner starts"}
WAITS = {"sigwaitinfo": "sigwaitinfo", "poll": "the article's poll"}
# The system calls an owner thread can sleep in, by number (x86-64, arm64).
_SYSCALLS = {"x86_64": {128: "rt_sigtimedwait", 230: "clock_nanosleep", 35: "nanosleep"},
             "aarch64": {137: "rt_sigtimedwait", 115: "clock_nanosleep", 101: "nanosleep"}}.get(os.uname().machine, {})
_C_GOT = re.compile(r"^C owner got SIGUSR1", re.M)
_GO_GOT = re.compile(r"^Go Notify got SIGUSR1", re.M)


def _sleeping_in(pid, tid, *, reads=20):
    """The system call the thread sleeps in most often over `reads` reads of /proc/PID/task/TID/syscall
    ("running" if it was never in one); rt_sigtimedwait with its timeout argument (NULL: for ever),
    which, once seen with a NULL timeout, ends the reading (such a thread sleeps until a signal)."""
    seen = []
    for _ in range(reads):
        fields = Path(f"/proc/{pid}/task/{tid}/syscall").read_text().split()
        if fields and fields[0].isdigit():
            name = _SYSCALLS.get(int(fields[0]), f"syscall {fields[0]}")
            if name == "rt_sigtimedwait":
                name += f", timeout {'NULL' if fields[3] == '0x0' else 'set'}"
                if name.endswith("NULL"):
                    return name
            seen.append(name)
        time.sleep(0.005)
    return max(set(seen), key=seen.count) if seen else "running"


def _thread_counters(pid, tid):
    """(CPU clock ticks, voluntary context switches) of one thread so far."""
    fields = Path(f"/proc/{pid}/task/{tid}/stat").read_text().rsplit(")", 1)[1].split()
    switches = next(int(l.split()[1]) for l in Path(f"/proc/{pid}/task/{tid}/status").read_text().splitlines()
                    if l.startswith("voluntary_ctxt_switches:"))
    return int(fields[11]) + int(fields[12]), switches  # utime + stime


def _await_counts(prog, n, timeout):
    """Read output until the owner and Notify together report `n` signals, or `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and prog.alive():
        out = prog.output
        if len(_C_GOT.findall(out)) + len(_GO_GOT.findall(out)) >= n:
            return
        prog.pause(0.02)


def owner_run(mode="constructor", notify="", wait="sigwaitinfo", *, n=10, gap=0.02, grace=0.5, run=0):
    """sigwait-owner with one way of blocking SIGUSR1 (mode), of calling Notify ("", "notify",
    "notify-after") and of waiting ("sigwaitinfo", or "poll": the article's zero-timeout
    sigtimedwait + nanosleep(10 us)); send `n` SIGUSR1 (kill(2), `gap` s apart).

    Returns one row: who blocks SIGUSR1, what the owner sleeps in, its CPU use and
    wake-ups per second, who got how many. While a thread waits in sigwaitinfo the
    kernel unblocks the waited-for set in its SigBlk, so the owner then counts as not
    blocking it. Before concluding that a signal was lost it waits up to `grace` s for
    the receivers to report it (a loaded machine can delay them).
    """
    args = (mode, notify) if notify else (mode,)
    env = {"OWNER_WAIT": "poll"} if wait == "poll" else None
    with session.start(SAMPLE, args=args, env=env) as prog:
        found = re.search(r"C owner thread tid (\d+)", prog.output) or \
            re.search(r"C owner thread tid (\d+)", prog.expect(r"C owner thread tid \d+"))
        owner = int(found.group(1))
        sleeping = _sleeping_in(prog.pid, owner)
        t0, (ticks0, switches0) = time.monotonic(), _thread_counters(prog.pid, owner)
        state = masks.settled_masks(prog.pid)
        blocking = state.blocked.apply(lambda s: "SIGUSR1" in s)
        owner_blocks = "SIGUSR1" in state.loc[state.tid == owner, "blocked"].iloc[0]
        for _ in range(n):
            prog.send("SIGUSR1")
            time.sleep(gap)
        time.sleep(0.1)
        ticks, switches = _thread_counters(prog.pid, owner)
        span = time.monotonic() - t0
        _await_counts(prog, n, grace)
        pending = "SIGUSR1" in procfs.thread_masks(prog.pid).shared_pending.iloc[0]
        prog.send("SIGTERM")
        out = prog.wait(5)
    c_got, go_got = len(_C_GOT.findall(out.output)), len(_GO_GOT.findall(out.output))
    return {"run": run, "SIGUSR1 blocked by": HOW[mode], "Go Notify": NOTIFY[notify], "owner": WAITS[wait],
            "threads blocking it": f"{int(blocking.sum())} of {len(state)}", "owner's SigBlk has it": owner_blocks,
            "owner sleeps in": sleeping,
            "owner CPU %": round(100 * (ticks - ticks0) / os.sysconf("SC_CLK_TCK") / span),
            "owner wake-ups/s": round((switches - switches0) / span),
            "sent": n, "C owner got": c_got, "Go Notify got": go_got, "nobody saw": n - c_got - go_got,
            "still pending": pending}


def sigwait_owner(cases=OWNER_CASES, *, runs=2, n=10):
    """owner_run for every case, `runs` times each; one row per run."""
    return pd.DataFrame([owner_run(*case, n=n, run=i) for case in cases for i in range(runs)])


CASE = ["owner", "SIGUSR1 blocked by", "Go Notify"]
COUNTS = ["sent", "C owner got", "Go Notify got", "nobody saw"]


def owner_summary(owners):
    """sigwait_owner's runs per case: signals added up, the owner's thread (what it sleeps in, its CPU
    and wake-ups, medians over the runs) and how many threads block SIGUSR1 (a flat table)."""
    grouped = owners.groupby(CASE, sort=False)
    out = grouped[COUNTS].sum()
    out["runs"] = grouped.size()
    out["owner sleeps in"] = grouped["owner sleeps in"].agg(lambda s: s.mode().iloc[0])
    out["owner CPU %"] = grouped["owner CPU %"].median()
    out["owner wake-ups/s"] = grouped["owner wake-ups/s"].median()
    out["threads blocking it"] = grouped["threads blocking it"].agg(lambda s: ", ".join(dict.fromkeys(s)))
    return out.reset_index()


@figure
def who_got(owners):
    """One bar per case: of the SIGUSR1 sent, how many the C owner got, Go's Notify got, nobody saw."""
    summary = owners.groupby(CASE, sort=False)[COUNTS].sum().reset_index()
    labels = [f"{o}; blocked by {b}" + (f"; Notify {n}" if n != "no" else "") for o, b, n in
              zip(summary["owner"], summary["SIGUSR1 blocked by"], summary["Go Notify"])]
    fig, ax = plt.subplots(figsize=(9, 0.45 * len(summary) + 1.4))
    left = np.zeros(len(summary))
    for col, colour in (("C owner got", "tab:green"), ("Go Notify got", "tab:blue"), ("nobody saw", "tab:red")):
        share = summary[col] / summary["sent"]
        ax.barh(range(len(summary)), share, left=left, color=colour, label=col)
        left += share
    ax.set_yticks(range(len(summary)), [textwrap.fill(l, 58) for l in labels], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(mticker.PercentFormatter(1.0))
    ax.set_xlabel(f"share of the SIGUSR1 sent with kill(2) ({int(summary['sent'].iloc[0])} per case)")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, frameon=False)
    fig.tight_layout()
    return fig


def cases(owners, mode, notify="", wait="sigwaitinfo"):
    """The rows of one case of sigwait_owner's table."""
    return owners[(owners["SIGUSR1 blocked by"] == HOW[mode]) & (owners["Go Notify"] == NOTIFY[notify])
                  & (owners["owner"] == WAITS[wait])]


# --- when does EAGAIN come back? --------------------------------------------------------

_TIMED = re.compile(r"^sigtimedwait, timeout (\d+) ns: (-?\d+) (\S+|\(a signal\)) after (\d+) ns", re.M)
_WAITED = re.compile(r"^sigwaitinfo: (\S+(?: \S+)?) after (\d+) ns", re.M)


def sigtimedwait_timeouts(*, hold=0.3):
    """c_samples/sigtimedwait-timeouts: sigtimedwait with timeouts from 0 to 100 ms while nothing is
    pending, then sigwaitinfo, which gets a SIGUSR1 only after `hold` s.

    One row per call: call, timeout (ms; blank for none), returned, errno, took (ms), and for
    sigwaitinfo what /proc said it slept in before the signal came.
    """
    with session.start("sigtimedwait-timeouts") as prog:
        time.sleep(hold)
        sleeping = _sleeping_in(prog.pid, prog.pid)
        prog.send("SIGUSR1")
        out = prog.wait(5)
    rows = [{"call": "sigtimedwait", "timeout (ms)": int(t) / 1e6, "returned": int(rc),
             "errno": err if int(rc) < 0 else "", "took (ms)": int(ns) / 1e6, "asleep in": ""}
            for t, rc, err, ns in _TIMED.findall(out.output)]
    for what, ns in _WAITED.findall(out.output):
        signalled = what.startswith("SIG")
        rows.append({"call": "sigwaitinfo", "timeout (ms)": None, "returned": what if signalled else -1,
                     "errno": "" if signalled else what.split()[-1], "took (ms)": int(ns) / 1e6,
                     "asleep in": sleeping})
    df = pd.DataFrame(rows, columns=["call", "timeout (ms)", "returned", "errno", "took (ms)", "asleep in"])
    df.attrs.update(held_ms=hold * 1e3, outcome=out)
    return df


# --- does an owner blocked in C hold up a garbage collection? -----------------------------

_GC = re.compile(r"runtime\.GC\(\) x5 while the owner waits in C: longest (\d+) us")


def gc_while_owner_waits(*, runs=3, wait="sigwaitinfo", limit=3.0):
    """sigwait-owner with the owner inside a goroutine's cgo call (OWNER_IN=cgo, waiting with `wait`),
    and as a control on a thread C created: five runtime.GC() per run, the longest timed by the program.

    One row per run: owner, run, longest GC (ms), or finished False when no answer came in `limit` s.
    """
    rows = []
    for owner_in, label in (("cgo", f"in a goroutine's cgo call, {WAITS[wait]}"),
                            ("thread", f"on a thread C created, {WAITS[wait]}")):
        env = {"OWNER_IN": owner_in, "GC_CHECK": "1", **({"OWNER_WAIT": "poll"} if wait == "poll" else {})}
        for run in range(runs):
            with session.start(SAMPLE, args=("thread",), env=env) as prog:
                deadline = time.monotonic() + limit
                while not _GC.search(prog.output) and time.monotonic() < deadline and prog.alive():
                    prog.pause(0.05)
                m = _GC.search(prog.output)
            rows.append({"the owner waits": label, "run": run, "finished": bool(m),
                         "longest runtime.GC() (ms)": int(m.group(1)) / 1e3 if m else None})
    return pd.DataFrame(rows)

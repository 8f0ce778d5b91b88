"""Where a signal runs when a goroutine locks its thread: the article's LockOSThread + Notify "forwarder".

`routing_run()` runs c_samples/lockosthread-notify under delve and sends SIGUSR1
with kill(2), tgkill(2) and pthread_kill(3); breakpoints give the thread each
stage ran on. `landing_map()` draws where the handler ran. `notify_order()` runs
the forwarder with its two calls swapped, and beside a goroutine that is not locked.
"""

import re
import threading
import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from . import delve, masks, session
from .errors import SigcampError
from .figures import figure

SAMPLE = "lockosthread-notify"
METHODS = ("kill", "tgkill", "pthread_kill")
METHOD_TEXT = {"kill": "kill(2) to the process", "tgkill": "tgkill(2) to the locked thread",
               "pthread_kill": "pthread_kill(3) to the locked thread"}
PLACEMENT_TEXT = {"goroutine": "a new goroutine locks its thread", "main": "the main goroutine locks the main thread"}
STAGES = ("handler ran on", "os/signal.loop ran on", "receiver ran on")
STAGE_TEXT = ("runtime.sighandler ran on", "os/signal.process ran on", "the receiving goroutine ran on")


def _role(tid, pid, locked):
    if tid is None or pd.isna(tid):
        return None
    if tid == pid == locked:
        return "main thread (= locked)"
    if tid == locked:
        return "locked thread"
    if tid == pid:
        return "main thread"
    return "another thread"


def _signal_of(variable):
    """10 from delve's record of an os.Signal holding syscall.Signal(10)."""
    kids = (variable.get("children") if isinstance(variable, dict) else None) or [{}]
    m = re.search(r"\((\d+)\)", str(kids[0].get("value", "")))
    return int(m.group(1)) if m else None


def _continue_after(dbg, action, delay):
    timer = threading.Timer(delay, action)
    timer.start()
    try:
        return dbg.continue_(timeout=10)
    finally:
        timer.cancel()
        timer.join()


def _until_ready(dbg):
    deadline = time.monotonic() + 20
    while "READY" not in dbg.target_output:
        if dbg.continue_(timeout=0.3).exited or time.monotonic() > deadline:
            raise SigcampError(f"{SAMPLE} did not get READY under delve:\n{dbg.target_output}")
    m = re.search(r"locked tid (\d+) \(main thread (\d+)\)", dbg.target_output)
    if not m:
        raise SigcampError(f"{SAMPLE} did not say which thread it locked:\n{dbg.target_output}")
    return int(m.group(1)), int(m.group(2))


def routing_run(where="goroutine", *, methods=METHODS, per=2, delay=0.1, run=0):
    """One run of lockosthread-notify under delve; one row per SIGUSR1.

    where: "goroutine" (a new goroutine locks its thread) or "main" (the main
    goroutine, locked in init, so the main thread). methods: kill(2) to the
    process, tgkill(2) to the locked thread, or SIGUSR2 asking the program to
    pthread_kill(3) its locked thread. Each signal is sent while the program
    runs; breakpoints on runtime.sighandler (condition sig == 10) and
    os/signal.process give the thread each ran on.
    """
    sends = [m for m in methods for _ in range(per)]
    rows = []
    with delve.launch(SAMPLE, env={"LOCK_MAIN": "1"} if where == "main" else None) as dbg:
        handler_bp = dbg.create_breakpoint("runtime.sighandler", cond="sig == 10")
        process_bp = dbg.create_breakpoint("os/signal.process")
        locked, pid = _until_ready(dbg)
        for method in sends:
            action = {"kill": lambda: dbg.send("SIGUSR1"),
                      "tgkill": lambda: masks.tgkill(pid, locked, "SIGUSR1"),
                      "pthread_kill": lambda: dbg.send("SIGUSR2")}[method]
            stop, handler, process = _continue_after(dbg, action, delay), None, None
            for _ in range(6):  # SIGUSR2 passes os/signal.process first: skip it
                if stop.exited or stop.timed_out:
                    break
                if stop.breakpoint == handler_bp:
                    handler = stop.thread
                elif stop.breakpoint == process_bp and _signal_of(dbg.eval("sig")) == 10:
                    process = stop.thread
                    break
                stop = dbg.continue_(timeout=5)
            rows.append({"run": run, "locked goroutine": where, "sent with": method, "main thread": pid,
                         "locked thread": locked, "handler ran on": handler, "os/signal.loop ran on": process})
        dbg.continue_(timeout=0.3)  # let the receiving goroutine print the last one
        received = [int(t) for t in re.findall(r"^received user defined signal 1 on tid (\d+)",
                                                dbg.target_output, re.M)]
    for row, tid in zip(rows, received):
        row["receiver ran on"] = tid
    df = pd.DataFrame(rows)
    for col in STAGES:
        if col not in df:
            df[col] = None
        df[col.replace(" on", " on (role)")] = [_role(t, p, l) for t, p, l in
                                                 zip(df[col], df["main thread"], df["locked thread"])]
    return df


def thread_routing(*, wheres=("goroutine", "main"), methods=METHODS, runs=2, per=2):
    """routing_run for each placement of the locked goroutine, `runs` times each; all rows."""
    return pd.concat([routing_run(w, methods=methods, per=per, run=i) for w in wheres for i in range(runs)],
                     ignore_index=True)


def routing_summary(df):
    """Per placement and send method: how many SIGUSR1, and the threads each stage ran on ("main thread: 4")."""
    rows = []
    for (where, method), sub in df.groupby(["locked goroutine", "sent with"], sort=False):
        row = {"who locks a thread": PLACEMENT_TEXT[where], "SIGUSR1 sent with": METHOD_TEXT[method],
               "signals": len(sub)}
        for stage, title in zip(STAGES, STAGE_TEXT):
            counts = sub[stage.replace(" on", " on (role)")].fillna("not seen").value_counts()
            row[title] = ", ".join(f"{role}: {n}" for role, n in counts.items())
        rows.append(row)
    return pd.DataFrame(rows)


_COLUMNS = {"goroutine": ("main thread", "locked thread", "another thread"),
            "main": ("main thread (= locked)", "another thread")}


@figure
def landing_map(df):
    """One grid per placement: send method × thread, each cell the number of SIGUSR1 whose
    handler ran on that thread (out of how many were sent that way)."""
    wheres = [w for w in ("goroutine", "main") if w in set(df["locked goroutine"])]
    fig, axes = plt.subplots(1, len(wheres), figsize=(5.2 * len(wheres), 3.2), squeeze=False,
                             gridspec_kw={"width_ratios": [len(_COLUMNS[w]) for w in wheres]})
    for ax, where in zip(axes[0], wheres):
        sub = df[df["locked goroutine"] == where]
        methods = [m for m in METHODS if m in set(sub["sent with"])]
        cols = _COLUMNS[where]
        grid = np.array([[((sub["sent with"] == m) & (sub["handler ran on (role)"] == c)).sum() for c in cols]
                         for m in methods])
        sent = np.array([(sub["sent with"] == m).sum() for m in methods])
        ax.imshow(grid / np.maximum(sent, 1)[:, None], cmap="Blues", vmin=0, vmax=1, aspect="auto")
        for i, j in np.ndindex(grid.shape):
            ax.text(j, i, f"{grid[i, j]} of {sent[i]}", ha="center", va="center",
                    color="white" if grid[i, j] > sent[i] / 2 else "black", fontsize=10)
        ax.set_xticks(range(len(cols)), [c.replace(" (", "\n(") for c in cols])
        ax.set_yticks(range(len(methods)), [METHOD_TEXT[m].replace(" to ", "\nto ") for m in methods])
        ax.set_title(PLACEMENT_TEXT[where], fontsize=10)
        ax.tick_params(length=0)
    fig.suptitle("The thread runtime.sighandler ran on, per SIGUSR1 (breakpoint, sig == 10)", fontsize=11)
    fig.tight_layout()
    return fig


# --- the order of the two calls, and a goroutine that is not locked -----------------------

ORDER_CASES = {
    "LockOSThread, then Notify (the article's order)": {},
    "Notify, then LockOSThread": {"NOTIFY_FIRST": "1"},
    "the article's order, and an unlocked goroutine also calls Notify": {"OTHER_NOTIFY": "1"},
}


RECEIVED = re.compile(r"^received user defined signal 1 on tid (\d+)", re.M)


def _await_count(prog, pattern, count, timeout=2.0):
    """Read the program's output until `pattern` has matched `count` times, or `timeout` s."""
    deadline = time.monotonic() + timeout
    while len(pattern.findall(prog.output)) < count and time.monotonic() < deadline and prog.alive():
        prog.pause(0.02)


def order_run(case, *, n=4, gap=0.05):
    """lockosthread-notify without a debugger, set up as ORDER_CASES[case]; `n` SIGUSR1 sent with kill(2).

    Returns a dict: case, sent, locked goroutine got, on its locked thread, unlocked goroutine got.
    """
    with session.start(SAMPLE, env=ORDER_CASES[case]) as prog:
        locked = int(re.search(r"locked tid (\d+)", prog.output).group(1))
        for i in range(n):
            prog.send("SIGUSR1")
            _await_count(prog, RECEIVED, i + 1)  # one at a time, so that none is coalesced with the next
            time.sleep(gap)
        prog.pause(0.1)
        out = prog.output
        prog.send("SIGTERM")
        prog.wait(5)
    mine = [int(t) for t in RECEIVED.findall(out)]
    other = re.findall(r"(?m)^unlocked goroutine received user defined signal 1", out)
    return {"case": case, "sent": n, "the locked goroutine got": len(mine),
            "on its locked thread": sum(t == locked for t in mine),
            "an unlocked goroutine got": len(other) if ORDER_CASES[case].get("OTHER_NOTIFY") else None}


def notify_order(*, n=4):
    """order_run for every case of ORDER_CASES; one row per case."""
    df = pd.DataFrame([order_run(c, n=n) for c in ORDER_CASES])
    return df.astype({"an unlocked goroutine got": "Int64"})

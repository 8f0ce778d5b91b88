"""Is Go's preemption cooperative only? notify-spin under strace, with and without async preemption.

notify-spin's main goroutine spins in `for { counter++ }`, a loop with no call and
so no cooperative preemption point, on the only P (GOMAXPROCS=1); the goroutine
that receives Ctrl+C needs that P. Under strace we count the signals the kernel
delivered: SIGURG is what sysmon sends to preempt a goroutine that has run too long.
"""

import contextlib
import os
import tempfile
import time
from pathlib import Path

import pandas as pd

from .. import samples, session, toolchain, trace
from . import words as W

SAMPLE = "notify-spin"
ON, OFF = "async preemption on (default)", "GODEBUG=asyncpreemptoff=1"
SETTINGS = {ON: {}, OFF: {"GODEBUG": "asyncpreemptoff=1"}}
OFF_WAIT = 1.0  # seconds; sysmon would preempt the spinner within ~20 ms if it could


@contextlib.contextmanager
def _traced(env):
    """notify-spin under strace on a fresh PTY; yields (Running, strace output file)."""
    sample = samples.find(SAMPLE)
    binary = samples.build(sample)
    toolchain.BUILD.mkdir(parents=True, exist_ok=True)
    fd, out = tempfile.mkstemp(prefix="strace-preempt-", suffix=".txt", dir=toolchain.BUILD)
    os.close(fd)
    argv = trace.strace_command([binary], output=out, calls=("tgkill",))
    try:
        with session.start(argv[0], args=argv[1:], env={**sample.env, **env}, ready=sample.ready) as running:
            yield running, Path(out)
    finally:
        Path(out).unlink(missing_ok=True)


def _row(setting, i, outcome, text):
    events = trace.parse(text)
    delivered = events[events["call"] == "delivered"]["signal"].value_counts()
    return {"setting": setting, "run": i, "ended": outcome.how, "received": "received" in outcome.stamps,
            "SIGURG": int(delivered.get("SIGURG", 0)), "SIGINT": int(delivered.get("SIGINT", 0)),
            "latency_ms": outcome.handler_latency_ms}


def preemption_runs(repeat=5):
    """`repeat` runs of notify-spin under strace per setting (async preemption on, then off); one row
    per run: setting, run, ended, received (the Notify receiver ran), SIGURG and SIGINT deliveries,
    latency_ms (strace slows every delivery down). The "off" runs wait OFF_WAIT s, side by side."""
    if repeat < 1:
        raise ValueError(f"repeat={repeat}: run each setting at least once")
    rows = []
    for i in range(repeat):
        with _traced(SETTINGS[ON]) as (running, out):
            running.ctrl_c()
            outcome = running.wait(samples.find(SAMPLE).wait)
            running.close()  # strace has written everything once it is gone
            rows.append(_row(ON, i, outcome, out.read_text()))
    with contextlib.ExitStack() as stack:
        started = [stack.enter_context(_traced(SETTINGS[OFF])) for _ in range(repeat)]
        for running, _ in started:
            running.ctrl_c()
        for i, (running, out) in enumerate(started):
            left = running.sent_ns / 1e9 + OFF_WAIT - time.monotonic()
            outcome = running.wait(max(left, 0.05))
            running.close()
            rows.append(_row(OFF, i, outcome, out.read_text()))
    return pd.DataFrame(rows)


def preemption_table(pre):
    """Per setting: runs, how they ended, in how many the receiver ran, SIGURG deliveries per run."""
    out = []
    for setting, sub in pre.groupby("setting", sort=False):
        urg = sub["SIGURG"]
        out.append({"setting": setting, W.RUNS: len(sub), W.ENDED: W.ended_in(sub["ended"].value_counts().to_dict()),
                    "the receiver ran": W.runs_of(int(sub["received"].sum()), len(sub)),
                    "SIGURG delivered per run": _span(urg), "SIGINT delivered per run": _span(sub["SIGINT"])})
    return pd.DataFrame(out)


def _span(values):
    """'1' or '1-3'."""
    lo, hi = int(values.min()), int(values.max())
    return f"{lo}" if lo == hi else f"{lo}-{hi}"

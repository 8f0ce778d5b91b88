"""Why Ctrl+C can wait for a garbage collection: gc-spin-stall against its control runs.

gc-spin-stall spins in call-free chunks with async preemption off while another
goroutine calls runtime.GC() in a loop. `stall_runs()` runs it beside variants
that change one thing each (no GC goroutine; async preemption on; READY before
the spinner starts) and reads, for every run, whether the receive had to wait
for the end of a spinner chunk (the only moments the spinner can be stopped)
and the runtime's own longest stop-the-world "stopping" time.
"""

import re
from dataclasses import dataclass, field

import pandas as pd

from . import scenarios, words as W

SAMPLE = "gc-spin-stall"
_STOP = re.compile(r"longest stop-the-world stop: (?:([\d.]+)-([\d.]+) ms|none) \((\d+) GC")


@dataclass(frozen=True)
class Variant:
    name: str
    changes: str  # what differs from the scenario, for the reader
    env: dict = field(default_factory=dict)
    args: tuple = ()


SCENARIO = Variant("GC goroutine + spinner, async preemption off", "nothing: the scenario itself")
VARIANTS = (
    SCENARIO,
    Variant("no GC goroutine (control)", "-gc=false: nobody calls runtime.GC", args=("-gc=false",)),
    Variant("async preemption on", "GODEBUG without asyncpreemptoff=1", env={"GODEBUG": ""}),
    Variant("READY before the spinner starts", "-ready=early: Ctrl+C may come before the first chunk",
            args=("-ready=early",)),
)

# reader-facing columns
VARIANT, CHANGES, WAITED, GAP, STOP = ("variant", "what differs", "waited for a chunk to end",
                                       "receive after that chunk end (ms)", "longest GC stop-the-world stop (ms)")


def _scenario(v):
    base = scenarios.scenario(scenarios.STALL)
    return scenarios.Scenario(f"{scenarios.STALL} [{v.name}]", SAMPLE, env={**base.env, **v.env},
                              args=v.args, timed=True, delay_ms=0.0)


def attribute(row):
    """What one run's stamps say: did a chunk end between the Ctrl+C and the receive, how long after the
    last such end the receive came, whether the spinner had started, and the longest GC STW stop."""
    st, sent = row["stamps"], row["sent_ns"]
    received = st.get("received")
    ends = sorted(v for k, v in st.items() if k.startswith("chunk-"))
    crossed = [e for e in ends if sent is not None and received is not None and sent < e <= received]
    m = _STOP.search(row["transcript"] or "")
    return {
        "chunks_crossed": len(crossed),
        "waited": bool(crossed),
        "gap_ms": (received - crossed[-1]) / 1e6 if crossed else None,
        "spinner_started": "spinning" in st and sent is not None and st["spinning"] < sent,
        "longest_stop_ms": float(m.group(2)) if m and m.group(2) else (0.0 if m else None),
        "gc_stops": int(m.group(3)) if m else None,
    }


def stall_runs(runs=None, *, repeat=20, early_repeat=12):
    """Runs of gc-spin-stall and its variants, one row each, with attribute()'s columns.

    runs: scenario_runs() output; its gc-spin-stall runs serve as the scenario's
    (otherwise `repeat` are made). The controls get `repeat` runs, the early-READY
    variant `early_repeat`. Every Ctrl+C is typed as soon as READY appears.
    """
    rows = []
    for v in VARIANTS:
        if v is SCENARIO and runs is not None and (runs["scenario"] == scenarios.STALL).any():
            got = scenarios.runs_of(runs, scenarios.STALL).to_dict("records")
        else:
            sc = _scenario(v)
            n = early_repeat if "-ready=early" in v.args else repeat
            got = [scenarios.row(sc, scenarios.run_scenario(sc), run=i, timed=True) for i in range(n)]
        rows += [{"variant": v.name, "changes": v.changes, "run": r["run"], "ended": r["ended"],
                  "latency_ms": r["latency_ms"], **attribute(r)} for r in got]
    return pd.DataFrame(rows)


def stall_table(stall):
    """Per variant (split by whether the receive waited for a chunk, where runs did both): runs,
    latency percentiles, how long after the chunk's end the receive came, the longest GC STW stop."""
    out = []
    for name, sub in stall.groupby("variant", sort=False):
        groups = [sub] if sub["waited"].nunique() == 1 else [sub[sub["waited"]], sub[~sub["waited"]]]
        for g in groups:
            lat = scenarios.percentiles(g["latency_ms"])
            out.append({VARIANT: name, CHANGES: g["changes"].iloc[0], W.RUNS: len(g),
                        WAITED: W.runs_of(int(g["waited"].sum()), len(g)),
                        W.P50: lat[W.P50], W.P90: lat[W.P90], W.MAX: lat[W.MAX],
                        GAP: g["gap_ms"].median() if g["waited"].any() else None,
                        STOP: g["longest_stop_ms"].median() if g["gc_stops"].fillna(0).gt(0).any() else None})
    return pd.DataFrame(out)

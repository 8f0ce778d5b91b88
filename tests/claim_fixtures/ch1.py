"""Fixtures for chapter 1's judges: evidence shaped as ctrl_c.scenario_runs() and preemption_runs() return
it, small enough to read."""

import pandas as pd

from sigcamp.ctrl_c import scenarios as S

KILLED, SURVIVED, EXIT130 = "killed by SIGINT", "survived", "exit 130"


def table(stall_ms=100.0, **ended):
    """Scenario runs; ended: scenario constant name (SPIN, HELD, ...) -> list of outcomes, one per run; the
    spinner + GC runs take stall_ms, every other run that ends 0.8 ms."""
    runs = {"SPIN": [KILLED, KILLED], "SLEEP": [KILLED], "C_DEFAULT": [KILLED], "EXIT": [EXIT130, EXIT130],
            "ONE_P": [EXIT130], "HELD": [SURVIVED], "STALL": [EXIT130], "UNREAD": [SURVIVED],
            "IGNORE": [SURVIVED]}
    runs.update(ended)
    rows = []
    for key, outcomes in runs.items():
        for i, how in enumerate(outcomes):
            rows.append({"scenario": getattr(S, key), "sample": key.lower(), "setting": "", "run": i,
                         "ended": how, "latency_ms": float("nan") if how == SURVIVED else
                         stall_ms if key == "STALL" else 0.8})
    return pd.DataFrame(rows)


def preemption(on=((True, 1), (True, 2)), off=((False, 0),)):
    """preemption_runs() rows: (received, SIGURG deliveries) per run for each setting."""
    rows = [{"setting": "async preemption on (default)", "run": i, "ended": EXIT130 if got else SURVIVED,
             "received": got, "SIGURG": urg, "SIGINT": 1} for i, (got, urg) in enumerate(on)]
    rows += [{"setting": "GODEBUG=asyncpreemptoff=1", "run": i, "ended": EXIT130 if got else SURVIVED,
              "received": got, "SIGURG": urg, "SIGINT": 1} for i, (got, urg) in enumerate(off)]
    return pd.DataFrame(rows)


FIXTURES = {
    "ch1.no-notify-ignores-ctrl-c": [(table(), "refuted"), (table(SPIN=[KILLED, SURVIVED]), "holds"),
                                     (table(SLEEP=[SURVIVED]), "holds")],
    "ch1.default-action-is-exit-130": [(table(), "refuted"), (table(C_DEFAULT=[EXIT130]), "holds"),
                                       (table(C_DEFAULT=[KILLED, SURVIVED]), "not reproduced")],
    "ch1.sigint-queued-for-scheduler": [(table(), "refuted"), (table(SLEEP=[SURVIVED]), "holds")],
    "ch1.preemption-cooperative-only": [(preemption(), "refuted"), (preemption(on=((False, 0),)), "holds"),
                                        (preemption(on=((True, 0),)), "not reproduced")],
    "ch1.compute-loop-holds-sigint": [(table(), "holds only when"), (table(stall_ms=0.9), "holds only when"),
                                      (table(HELD=[EXIT130]), "refuted"),
                                      (table(HELD=[SURVIVED, EXIT130]), "refuted"),
                                      (table(SPIN=[SURVIVED]), "holds")],
    "ch1.infinite-loop-needs-kill": [(table(), "refuted"), (table(SPIN=[SURVIVED, KILLED]), "holds")],
    "ch1.ignore-discards": [(table(), "holds"), (table(IGNORE=[SURVIVED, KILLED]), "refuted")],
    "ch1.notify-simple-reliable": [(table(), "holds only when"), (table(UNREAD=[EXIT130]), "holds"),
                                   (table(EXIT=[SURVIVED]), "refuted")],
}

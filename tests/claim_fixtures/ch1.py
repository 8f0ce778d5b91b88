"""Fixtures for chapter 1's judges: scenario tables as ctrl_c.scenario_table() returns them."""

import pandas as pd

from sigcamp.claims import ch1

KILLED, SURVIVED, EXIT130 = "killed by SIGINT", "survived", "exit 130"


def table(**ended):
    """A scenario table; ended: scenario constant name -> list of outcomes (one per run)."""
    defaults = {"SPIN": [KILLED], "SLEEP": [KILLED], "HELD": [SURVIVED], "EXIT": [EXIT130],
                "UNREAD": [SURVIVED], "IGNORE": [SURVIVED]}
    defaults.update(ended)
    rows = []
    for key, outcomes in defaults.items():
        for how in outcomes:
            rows.append({"scenario": getattr(ch1, key), "sample": key.lower(), "setting": "", "ended": how,
                         "latency_ms": 0.8 if how != SURVIVED else float("nan")})
    return pd.DataFrame(rows)


FIXTURES = {
    "ch1.no-notify-ignores-ctrl-c": [(table(), "refuted"), (table(SPIN=[KILLED, SURVIVED]), "holds")],
    "ch1.sigint-queued-for-scheduler": [(table(), "refuted"), (table(SLEEP=[SURVIVED]), "holds")],
    "ch1.compute-loop-holds-sigint": [(table(), "holds only when"), (table(HELD=[EXIT130]), "refuted"),
                                      (table(SPIN=[SURVIVED]), "holds")],
    "ch1.ignore-discards": [(table(), "holds"), (table(IGNORE=[SURVIVED, KILLED]), "refuted")],
    "ch1.notify-simple-reliable": [(table(), "holds only when"), (table(UNREAD=[EXIT130]), "holds"),
                                   (table(EXIT=[SURVIVED]), "refuted")],
}

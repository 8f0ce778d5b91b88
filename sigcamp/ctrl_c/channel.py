"""What a Notify channel keeps when nobody reads it: notify-late-reader, run a few times."""

import re

import pandas as pd

from .. import conformance
from . import words as W

SAMPLE = "notify-late-reader"
_GOT = re.compile(r"late reader got (\d+) of (\d+)")


def late_reader(repeat=3):
    """Run notify-late-reader `repeat` times (three Ctrl+C, one at a time, while its `late` channel
    is unread); one row per run: Ctrl+C typed, delivered to the process, kept for the late reader."""
    rows = []
    for i in range(repeat):
        outcome = conformance.run_as_declared(SAMPLE)
        m = _GOT.search(outcome.output)
        delivered = len(re.findall(r"^delivered \d+$", outcome.transcript, re.M))
        rows.append({"run": i, "Ctrl+C typed": int(m.group(2)) if m else None,
                     "delivered to the process": delivered,
                     "kept for the late reader": int(m.group(1)) if m else None,
                     W.ENDED: outcome.how, W.TRANSCRIPT: outcome.transcript.strip()})
    return pd.DataFrame(rows)

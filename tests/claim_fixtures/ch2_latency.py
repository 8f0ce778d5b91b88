"""Fixtures for chapter 2's GC-latency judges: small gc_latency.Study objects, built signal by signal.

Every study has three rounds of a C floor (median 10 µs, p99 near 35 µs), an idle Go program
(60 µs), the article's two set-ups and the two stamped runs; each fixture changes one thing.
"""

import numpy as np
import pandas as pd

from sigcamp import gc_latency, latency, latency_stages

GO = "go1.26.8"
ROUNDS = (1, 2, 3)
N = 40


def _rows(case, rnd, latencies, *, go=GO, first_after=(), in_stw=(), handler_us=None):
    """One row per latency (µs); stamped cases get stage stamps with `handler_us` from kill to the handler."""
    rows = []
    for seq, lat in enumerate(latencies):
        sent = 10**12 + rnd * 10**10 + seq * 10**7
        received = sent + int(lat * 1e3)
        row = {"case": case, "round": rnd, "go": go, "seq": seq, "sent_ns": sent, "received_ns": received,
               "latency_us": float(lat), "answered": True, "overlapped_gc_pause": seq in in_stw,
               "overlapped_gc_cycle": seq in in_stw or seq in first_after, "sent_in_gc_pause": seq in in_stw,
               "first_after_gc": seq in first_after}
        if handler_us is not None:
            h = sent + int(handler_us[seq] * 1e3)
            row.update(handler_ns=h, handled_ns=h + 1_000, loop_ns=received - 5_000, handler_tid=11, loop_tid=12,
                       receiver_tid=13)
        rows.append(row)
    return rows


def study(*, gc_1s=100.0, gc_100ms=100.0, after_gc=60.0, first_after=(5, 25), stw_handler=20.0, stw_way=8_000.0,
          stw_count=5):
    """A Study whose article runs have latencies around gc_1s / gc_100ms µs, whose first signals
    after a GC take after_gc µs, and whose spinner run has stw_count
    signals sent during a stop-the-world, reaching the handler after stw_handler µs and the
    receiver after stw_way µs."""
    rows = []
    rng = np.random.default_rng(1)
    for rnd in ROUNDS:
        floor = list(rng.uniform(8, 12, N - 1)) + [50.0]
        rows += _rows("c-floor", rnd, floor, go=latency.C_RELEASE)
        rows += _rows("go-idle", rnd, rng.uniform(50, 70, N))
        for case, level in (("go-gc-1s", gc_1s), ("go-gc-100ms", gc_100ms)):
            lat = list(rng.uniform(0.9 * level, 1.1 * level, N))
            for seq in first_after:
                lat[seq] = after_gc
            rows += _rows(case, rnd, lat, first_after=first_after)
        idle_handler = list(rng.uniform(15, 25, N))
        rows += _rows("go-idle-stamped", rnd, rng.uniform(50, 70, N), handler_us=idle_handler)
        lat = list(rng.uniform(50, 70, N))
        handler = list(rng.uniform(15, 25, N))
        for seq in range(stw_count):
            lat[seq], handler[seq] = stw_way, stw_handler
        rows += _rows(gc_latency.STW_HELD, rnd, lat, in_stw=range(stw_count), handler_us=handler)
    df = pd.DataFrame(rows)
    for col in latency_stages.STAGE_COLUMNS:
        df[col] = pd.array(df[col], dtype="Int64") if col in df else pd.array([pd.NA] * len(df), dtype="Int64")
    df["case"] = pd.Categorical(df["case"], categories=list(gc_latency.CASES), ordered=True)
    df.attrs["runs"] = latency.Runs()
    return gc_latency.Study(df)


FIXTURES = {
    "ch2.gc-latency-table": [
        (study(), "not reproduced"),
        (study(gc_1s=12_000, gc_100ms=40_000), "holds"),
        (study(gc_100ms=40_000), "holds only when"),
    ],
    "ch2.stw-delays-handler": [
        (study(), "holds only when"),
        (study(stw_handler=5_000), "holds"),
        (study(stw_way=70), "refuted"),
        (study(stw_count=0), "not reproduced"),
    ],
    "ch2.first-signal-after-gc-jumps": [
        (study(after_gc=2_000), "holds"),
        (study(after_gc=60), "refuted"),
        (study(after_gc=120), "not reproduced"),
        (study(first_after=()), "not reproduced"),
    ],
}

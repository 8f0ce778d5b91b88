"""Checks for lab 05-gc-latency: a DataFrame of signal latencies under GC, its shape and its plausibility.

Plausibility is judged against the course's own measurement (sigcamp.latency), made by the
grader in a sandbox of the same grading run, with bounds wide enough for a loaded machine:
a median within a factor of FACTOR of the reference's catches wrong units and wrong clocks.
"""

import math
import statistics

from grader.checks import check

SAMPLES = ("latency-notify",)
CELL_TIMEOUT = 120
TIMEOUT = 300

COLUMNS = ["case", "seq", "latency_us", "overlapped_gc"]
REFERENCE = {"idle": "go-idle", "churn": "go-gc-churn"}  # the student's case -> sigcamp.latency's
MIN_SIGNALS = 100
FACTOR = 50
HARVEST = {
    "columns": "[str(c) for c in df.columns]",
    "data": "{str(c): df[c].tolist() for c in df.columns}",
}


def _table(sub):
    """{case: [(seq, latency_us, overlapped_gc)]} from the harvested DataFrame, after the shape checks."""
    columns = sub.answer("columns")
    assert columns == COLUMNS, f"df's columns are {columns}, not {COLUMNS}"
    data = sub.answer("data")
    rows = list(zip(*(data[c] for c in COLUMNS)))
    by_case = {}
    for case, seq, latency, overlapped in rows:
        by_case.setdefault(case, []).append((seq, latency, overlapped))
    return by_case


def _cases(sub):
    by_case = _table(sub)
    assert set(by_case) == set(REFERENCE), \
        f"the cases are {sorted(map(str, by_case))}, not {sorted(REFERENCE)}"
    for case, rows in by_case.items():
        assert len(rows) >= MIN_SIGNALS, f"case {case!r} has {len(rows)} rows; measure at least {MIN_SIGNALS} signals"
        assert [r[0] for r in rows] == list(range(len(rows))), f"case {case!r}: seq should run 0, 1, ... in order"
        assert all(isinstance(r[1], (int, float)) and not isinstance(r[1], bool) and math.isfinite(r[1])
                   for r in rows), f"case {case!r}: latency_us should hold numbers"
        assert all(isinstance(r[2], bool) for r in rows), f"case {case!r}: overlapped_gc should hold True or False"
    return by_case


def _reference(sub):
    cache = vars(sub)
    if "_reference" not in cache:
        try:
            cache["_reference"] = sub.sandbox("latency_reference", cases=list(REFERENCE.values()), n=100, wall=180)
        except Exception as e:  # kept, so every check reports it without running the probe again
            cache["_reference"] = e
        else:
            ref = cache["_reference"]
            sub.note("the grader's reference (sigcamp.latency, 100 signals per case)",
                     "\n".join(f"{case}: median {ref[name]['median_us']:.1f} µs, p90 {ref[name]['p90_us']:.1f} µs, "
                               f"{ref[name]['pause_overlap']} of {ref[name]['signals']} overlapped a GC pause"
                               for case, name in REFERENCE.items()))
    ref = cache["_reference"]
    if isinstance(ref, Exception):
        raise ref
    return ref


@check(points=1, public=True)
def has_the_columns(sub):
    """df has exactly the columns case, seq, latency_us, overlapped_gc."""
    _table(sub)


@check(points=1)
def one_row_per_signal(sub):
    """One row per signal: cases idle and churn, at least 100 signals each, seq 0..n-1, numbers and booleans."""
    _cases(sub)


@check(points=2)
def latencies_are_plausible(sub):
    """Every latency is positive, and each case's median is within a factor of 50 of the grader's reference."""
    by_case = _cases(sub)
    for case, rows in by_case.items():
        assert all(r[1] > 0 for r in rows), \
            f"case {case!r}: some latencies are not positive (a signal cannot arrive before it was sent)"
    ref = _reference(sub)
    medians = {case: statistics.median(r[1] for r in rows) for case, rows in by_case.items()}
    sub.note("your medians", "\n".join(f"{case}: {m:.1f} µs" for case, m in medians.items()))
    for case, median in medians.items():
        want = ref[REFERENCE[case]]["median_us"]
        assert want / FACTOR <= median <= want * FACTOR, \
            f"case {case!r}: the median latency is not within a factor of {FACTOR} of the grader's (units? clock?)"


@check(points=2)
def marks_gc_overlaps(sub):
    """Some signals overlap a GC pause under churn; under idle, where the GC hardly runs, few or none do."""
    by_case = _cases(sub)
    churn = sum(r[2] for r in by_case["churn"])
    idle = sum(r[2] for r in by_case["idle"])
    assert churn > 0, "under churn, no signal overlapped a GC pause: the GC runs all the time there"
    assert idle <= churn, "more signals overlapped a GC pause under idle than under churn"
    assert idle <= len(by_case["idle"]) / 2, \
        "under idle, most signals overlapped a GC pause: the GC hardly runs there (are the windows right?)"

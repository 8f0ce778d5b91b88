"""Checks for lab 05-gc-latency: a DataFrame of signal latencies under GC, measured, not made up.

The grader calls the notebook's signal_latency(load, n) itself, in a fresh Python inside a
sandbox, for each load. There sc.start("latency-notify") gives the function a program the
grader starts and watches (grader.probes.witness): the grader sends each signal, stamping it
with its own clock, and reads everything the program prints through a pipe only it holds;
the program runs sealed, so nothing of the student's can read or change it. Each row the
function returns must then be what that record says of the same signal: its latency, and
whether a GC pause the program reported overlapped it. Made-up or transformed rows fail.
"""

import math
import re
import statistics

from grader.checks import check, phrases
from sigcamp.i18n import N_

SAMPLES = ("latency-notify",)
SEALED = ("latency-notify",)
FUNCTIONS = ("signal_latency",)
FORBIDDEN = ("sigcamp.latency",)
CELL_TIMEOUT = 120
TIMEOUT = 300
CALL_TIMEOUT = 120

COLUMNS = ["case", "seq", "latency_us", "overlapped_gc"]
LOADS = ("idle", "churn")
N = 120              # signals per load in the grader's calls
PUBLIC_N = 5         # in `grader check`, one short call
TOLERANCE_US = 1.0   # a row's latency may differ from the record by this much, or 1 % (rounding)

MESSAGES = {
    "not_frame": N_("{call} returned a {kind}, not a DataFrame"),
    "columns": N_("{call} returned a DataFrame with the columns {got}, not {want}"),
    "rows": N_("signal_latency({load!r}, {n}) returned {got} rows, not one per signal ({n})"),
    "case": N_("signal_latency({load!r}, {n}): the column case should hold {load!r} on every row"),
    "seq": N_("signal_latency({load!r}, {n}): seq should run 0, 1, ... {last} in order"),
    "numbers": N_("signal_latency({load!r}, {n}): latency_us should hold numbers"),
    "bools": N_("signal_latency({load!r}, {n}): overlapped_gc should hold True or False"),
    "runs": N_("signal_latency({load!r}, {n}) did not run the grader's latency-notify once with -load {load} "
               "(start it with sc.start(\"latency-notify\", args=(\"-load\", load)))"),
    "sends": N_("signal_latency({load!r}, {n}) did not send the program {n} SIGUSR1 with prog.send, one at a time"),
    "received": N_("the program received fewer SIGUSR1 than were sent: send the next one only after its "
                   "`STAMP received` line"),
    "latency": N_("signal_latency({load!r}, {n}): some latencies are not what the grader's program recorded for "
                  "those signals, from the send to its `STAMP received`, in microseconds (see the evidence)"),
    "overlap": N_("signal_latency({load!r}, {n}): overlapped_gc is not what the program's PAUSE lines say for some "
                  "signals (see the evidence)"),
    "evidence_title": N_("your rows against the grader's record"),
    # the lines of the evidence
    "medians_latency": N_("signal_latency({load!r}, {n}): your median {mine:.1f} µs, the record's {theirs:.1f} µs; "
                          "{bad} of {n} rows differ in latency"),
    "medians_overlap": N_("signal_latency({load!r}, {n}): your median {mine:.1f} µs, the record's {theirs:.1f} µs; "
                          "{bad} of {n} rows differ in overlapped_gc"),
    "row": N_("  seq {seq}: yours {latency!r} µs, overlapped_gc={overlapped}; recorded {recorded:.3f} µs, "
              "overlapped_gc={truth}"),
}
say = phrases(MESSAGES)


def _experiment(sub):
    """The grader's calls of signal_latency, and its record of the program (one per submission)."""
    def run():
        source = sub.source(*FUNCTIONS)
        calls = [["signal_latency", ["idle", PUBLIC_N]]] if sub.public_only else \
            [["signal_latency", [load, N]] for load in LOADS]
        result = sub.sandbox("witness.measure", source=source, calls=calls, sample=sub.samples["latency-notify"],
                             timeout=CALL_TIMEOUT, wall=CALL_TIMEOUT + 60)
        result["calls"] = calls
        return result
    return sub.once("experiment", run)


def _frame(sub, index):
    """(load, n, {column: values}) of call `index`, after the checks of its columns."""
    result = _experiment(sub)
    load, n = result["calls"][index][1]
    text = f"signal_latency({load!r}, {n})"
    item = sub.answer(result["call"], index, text, seconds=CALL_TIMEOUT)
    assert item.get("type") == "DataFrame", say("not_frame", call=text, kind=item.get("type"))
    columns = item["value"]["columns"]
    assert columns == COLUMNS, say("columns", call=text, got=columns, want=COLUMNS)
    return load, n, item["value"]["data"]


def _rows(sub, index):
    """The rows of call `index` as (seq, latency_us, overlapped_gc), after the checks of their shape."""
    load, n, data = _frame(sub, index)
    got = len(data["seq"])
    assert got == n, say("rows", load=load, n=n, got=got)
    assert all(c == load for c in data["case"]), say("case", load=load, n=n)
    assert data["seq"] == list(range(n)), say("seq", load=load, n=n, last=n - 1)
    assert all(isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)
               for x in data["latency_us"]), say("numbers", load=load, n=n)
    assert all(isinstance(x, bool) for x in data["overlapped_gc"]), say("bools", load=load, n=n)
    return load, n, list(zip(data["seq"], data["latency_us"], data["overlapped_gc"]))


def record(run):
    """What the grader's run says of each signal: [(sent_ns, received_ns, overlapped or None)].

    Signals pair in order with the program's `STAMP received` lines; overlapped is None where
    the program lost track of GC cycles (a GCLOST window)."""
    text = run["output"]
    received = [int(x) for x in re.findall(r"^STAMP received (\d+)", text, re.M)]
    sent = [ns for ns, sig in run["sends"] if sig == "SIGUSR1"]
    pauses = [(int(end) - int(p), int(end)) for end, p in re.findall(r"^PAUSE \d+ (\d+) (\d+)", text, re.M)]
    lost = [(int(a), int(b)) for a, b in re.findall(r"^GCLOST \d+ (\d+) (\d+)", text, re.M)]
    out = []
    for s, r in zip(sent, received):
        unknown = any(a <= r and b >= s for a, b in lost)
        out.append((s, r, None if unknown else any(a <= r and b >= s for a, b in pauses)))
    return out, len(sent), len(received)


def _witnessed(sub, index):
    """The rows of call `index` beside the grader's record of the same signals."""
    load, n, rows = _rows(sub, index)
    runs = [r for r in _experiment(sub)["runs"] if r["args"] == ["-load", load]]
    assert len(runs) == 1, say("runs", load=load, n=n)
    truth, sent, received = record(runs[0])
    assert sent == n, say("sends", load=load, n=n)
    assert received == sent, say("received")
    return load, n, rows, truth


def _note(sub, load, rows, truth, bad, what):
    mine = statistics.median(r[1] for r in rows)
    theirs = statistics.median((t[1] - t[0]) / 1e3 for t in truth)
    lines = [say(f"medians_{what}", load=load, n=len(rows), mine=mine, theirs=theirs, bad=len(bad))]
    for seq in bad[:8]:
        s, r, overlapped = truth[seq]
        lines.append(say("row", seq=seq, latency=rows[seq][1], overlapped=rows[seq][2], recorded=(r - s) / 1e3,
                         truth=overlapped))
    sub.note(say("evidence_title"), "\n".join(lines))


@check(points=1, public=True)
def has_the_columns(sub):
    """signal_latency(load, n) returns a DataFrame with exactly the columns case, seq, latency_us, overlapped_gc."""
    for index in range(len(_experiment(sub)["calls"])):
        _frame(sub, index)


@check(points=1)
def one_row_per_signal(sub):
    """One row per signal sent, for idle and churn: case, seq 0..n-1, numbers, True or False."""
    for index in range(len(LOADS)):
        _rows(sub, index)


@check(points=2)
def latencies_are_measured(sub):
    """Each latency is the one the grader's program recorded for that signal: from the send to its
    `STAMP received`, in microseconds."""
    for index in range(len(LOADS)):
        load, n, rows, truth = _witnessed(sub, index)
        bad = [seq for seq, latency, __ in rows
               if abs(latency - (truth[seq][1] - truth[seq][0]) / 1e3)
               > max(TOLERANCE_US, 0.01 * (truth[seq][1] - truth[seq][0]) / 1e3)]
        if bad:
            _note(sub, load, rows, truth, bad, "latency")
        assert not bad, say("latency", load=load, n=n)


@check(points=2)
def marks_gc_overlaps(sub):
    """overlapped_gc is True exactly for the signals a GC pause the program reported overlaps."""
    for index in range(len(LOADS)):
        load, n, rows, truth = _witnessed(sub, index)
        bad = [seq for seq, __, overlapped in rows if truth[seq][2] is not None and overlapped != truth[seq][2]]
        if bad:
            _note(sub, load, rows, truth, bad, "overlap")
        assert not bad, say("overlap", load=load, n=n)

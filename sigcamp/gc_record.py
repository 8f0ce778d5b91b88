"""What the latency program reports, read back: its stamps, its GC pauses and where they fall.

`parse_report()` reads latency-notify's output (received stamps, runtime stage stamps,
PAUSE/GCLOST records, the clock check, runtime/metrics histograms); `parse_gctrace()`
reads GODEBUG=gctrace=1; `pause_windows()`/`cycle_windows()` place every stop-the-world
and GC cycle on CLOCK_MONOTONIC; `overlaps()` tells, per signal, whether one touched it.
"""

import re

import numpy as np

from .errors import SigcampError

CLOCK_SLACK_NS = 50_000  # allowed error of the wall-to-monotonic conversion


def parse_report(output):
    """Read a latency program's output into received stamps, stage stamps, GC pauses, gaps, histograms.

    Returns a dict: received [ns], stages [(handler, handled, loop, handler_tid,
    loop_tid, receiver_tid)], pauses [(cycle, end_ns, pause_ns)], lost
    [(cycles, from_ns, to_ns)], calibrate (before, pause_end, after) or None,
    hist {metric: [(low_s, high_s, count)]}.
    """
    report = {"received": [], "stages": [], "pauses": [], "lost": [], "calibrate": None, "hist": {}}
    for line in output.splitlines():
        words = line.split()
        if line.startswith("STAMP received "):
            report["received"].append(int(words[2]))
        elif words[:1] == ["STAGES"] and len(words) == 7:
            report["stages"].append(tuple(int(w) for w in words[1:]))
        elif words[:1] == ["PAUSE"]:
            report["pauses"].append(tuple(int(w) for w in words[1:4]))
        elif words[:1] == ["GCLOST"]:
            report["lost"].append(tuple(int(w) for w in words[1:4]))
        elif words[:1] == ["CALIBRATE"]:
            report["calibrate"] = tuple(int(w) for w in words[1:4])
        elif words[:1] == ["HIST"] and len(words) == 5:
            report["hist"].setdefault(words[1], []).append((float(words[2]), float(words[3]), int(words[4])))
    return report


_GCTRACE = re.compile(r"^gc (\d+) @\S+ \d+%[^:\n]*: ([\d.]+)\+([\d.]+)\+([\d.]+) ms clock", re.M)


def parse_gctrace(text):
    """{cycle: (sweep_term_ns, mark_ns, mark_term_ns)} from GODEBUG=gctrace=1 lines.

    Each is the wall time of a phase from the moment the runtime decided to
    stop the world (so the two stop-the-world phases include the wait for
    every P to stop), printed to two significant digits.
    """
    return {int(m.group(1)): tuple(round(float(m.group(i)) * 1e6) for i in (2, 3, 4))
            for m in _GCTRACE.finditer(text)}


def pause_windows(pauses, cycles):
    """[(start_ns, end_ns)] of every stop-the-world, from PAUSE records and gctrace cycles.

    With a gctrace line for the cycle, its two stop-the-worlds are placed
    exactly (to the trace's precision) back from PauseEnd; without one, the
    cycle's total Pause is placed as one window ending at PauseEnd.
    """
    windows = []
    for cycle, end, pause in pauses:
        if cycle in cycles:
            sweep_term, mark, mark_term = cycles[cycle]
            start = end - mark_term - mark - sweep_term
            windows += [(start, start + sweep_term), (end - mark_term, end)]
        else:
            windows.append((end - pause, end))
    return windows


def cycle_windows(pauses, cycles):
    """[(start_ns, end_ns)] of every GC cycle, from the decision to stop the world for
    sweep termination to PauseEnd; a cycle without a gctrace line counts as its pause."""
    windows = []
    for cycle, end, pause in pauses:
        windows.append((end - sum(cycles[cycle]), end) if cycle in cycles else (end - pause, end))
    return windows


def overlaps(sent, received, windows, lost=()):
    """For each signal [sent, received]: True if a pause window [start, end] touches it,
    None if the GC record has a gap (GCLOST) there, else False."""
    sent, received = np.asarray(sent), np.asarray(received)
    result = np.full(len(sent), False, dtype=object)
    if windows:
        start, end = np.asarray(windows, dtype=np.int64).T
        hit = (start[None, :] <= received[:, None]) & (end[None, :] >= sent[:, None])
        result[hit.any(axis=1)] = True
    for _, start, stop in lost:
        gap = (result == False) & (sent <= stop) & (received >= start)  # noqa: E712
        result[gap] = None
    return result


def after_cycle(sent, windows):
    """For each signal: True if it is the first one sent after a GC cycle ended (and
    after the previous signal), the signal the article's "first signal after each GC" means."""
    sent = np.asarray(sent, dtype=np.int64)
    first = np.full(len(sent), False)
    for _, end in windows:
        later = np.nonzero(sent > end)[0]
        if len(later):
            first[later[0]] = True
    return first


def check_calibration(calibrate, *, where="program"):
    """Check that a GC run between two monotonic stamps has its converted PauseEnd between them."""
    if calibrate is None:
        raise SigcampError(f"{where}: no CALIBRATE line: the program must report its clock check")
    before, end, after = calibrate
    if not before - CLOCK_SLACK_NS <= end <= after + CLOCK_SLACK_NS:
        raise SigcampError(
            f"{where}: PauseEnd converted to CLOCK_MONOTONIC is {end}, outside the GC it belongs "
            f"to [{before}, {after}]: the wall-to-monotonic conversion is wrong (did the wall "
            "clock jump?); overlap with GC pauses cannot be trusted")


def merge_histograms(histograms):
    """One [(low, high, count)] list from several runs' buckets of the same metric."""
    counts = {}
    for buckets in histograms:
        for low, high, count in buckets:
            counts[(low, high)] = counts.get((low, high), 0) + count
    return [(low, high, c) for (low, high), c in sorted(counts.items())]


def hist_quantile(buckets, q):
    """The upper edge of the bucket holding quantile q of [(low, high, count)]; NaN if empty."""
    counts = np.array([c for _, _, c in buckets], dtype=float)
    if counts.sum() == 0:
        return float("nan")
    i = int(np.searchsorted(np.cumsum(counts), q * counts.sum(), side="left"))
    return buckets[min(i, len(buckets) - 1)][1]


def gc_figures(runs):
    """GC cycles seen over some runs (their parse_report dicts), and percentiles of the
    runtime/metrics pause histograms merged across them, in µs."""
    def metric(name):
        return merge_histograms(r["hist"].get(name, []) for r in runs)

    total, stopping = metric("/sched/pauses/total/gc:seconds"), metric("/sched/pauses/stopping/gc:seconds")
    return {
        "gc_cycles": sum(len(r["pauses"]) + sum(k for k, _, _ in r["lost"]) for r in runs),
        "gc_pause_p50_us": hist_quantile(total, 0.5) * 1e6,
        "gc_pause_p99_us": hist_quantile(total, 0.99) * 1e6,
        "gc_pause_max_us": hist_quantile(total, 1.0) * 1e6,
        "gc_stopping_max_us": hist_quantile(stopping, 1.0) * 1e6,
    }

"""Signal latency against garbage collection: how long a signal takes to reach your code.

`measure()` sends SIGUSR1 to a C program (the floor) and to a Go program under
several loads (`case_table()`), one signal in flight at a time, and returns one row
per signal, with whether a GC stop-the-world or GC cycle overlapped its way
(from debug.ReadGCStats and GODEBUG=gctrace=1). `summary()` condenses it into a
table; `sigcamp.plots` draws it.
"""

import random
import re
import shlex
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import samples, session
from .errors import NotReady, SigcampError
from .progress import bar as progress_bar

COLUMNS = ["case", "seq", "sent_ns", "received_ns", "latency_us", "overlapped_gc_pause",
           "overlapped_gc_cycle"]
CLOCK_SLACK_NS = 50_000  # allowed error of the wall-to-monotonic conversion


@dataclass(frozen=True)
class Case:
    """One experiment: which sample runs, with which arguments and environment.

    go: the program is latency-notify-like (reports GC pauses, exits 143 on SIGTERM).
    """

    name: str
    sample: str
    about: str
    args: tuple = ()
    env: dict = field(default_factory=dict)
    go: bool = True


CASES = {c.name: c for c in (
    Case("c-floor", "latency-c-floor", "C sigaction handler, stamped in the handler", go=False),
    Case("go-idle", "latency-notify", "Go signal.Notify, nothing else running", ("-load", "idle")),
    Case("go-gc-churn", "latency-notify", "Go, one goroutine allocating flat out", ("-load", "churn")),
    Case("go-spin-gc", "latency-notify", "Go, a spinning goroutine + runtime.GC() every 20 ms",
         ("-load", "spin")),
    Case("go-spin-gc-nopreempt", "latency-notify", "as go-spin-gc, with GODEBUG=asyncpreemptoff=1",
         ("-load", "spin"), {"GODEBUG": "asyncpreemptoff=1"}),
)}


def case_table():
    """The predefined cases as a table: what runs in each (Go ones also get GODEBUG=gctrace=1)."""
    return pd.DataFrame([{"case": c.name, "sample": c.sample, "args": " ".join(c.args),
                          "env": " ".join(f"{k}={v}" for k, v in c.env.items()), "about": c.about}
                         for c in CASES.values()]).set_index("case")


def measure(cases=None, *, n=1000, progress=True, timeout=10.0, gap_us=1000, seed=1):
    """Send `n` SIGUSR1 to each case's program, one at a time; return one row per signal.

    Columns: case, seq, sent_ns (time.monotonic_ns() just before os.kill),
    received_ns (CLOCK_MONOTONIC in the C handler, or as Go's Notify channel
    delivered), latency_us, overlapped_gc_pause (a stop-the-world touched the
    signal's way: True, False, or None where the GC record has a gap) and
    overlapped_gc_cycle (the same for any part of a GC cycle, concurrent mark
    included). Go programs run with GODEBUG=gctrace=1 added, their stderr kept
    apart, to place each stop-the-world. df.attrs["gc"] holds per-case GC
    figures that summary() shows.

    Args:
        cases: names from CASES (default: all, in order), or Case objects.
        n: signals per case.
        progress: show a progress bar (in a notebook, a line of text updated in place).
        timeout: seconds to wait for READY, for each acknowledgement, and for
            the exit; past it SigcampError. Programs are killed and reaped on
            any error or interrupt.
        gap_us: after each acknowledgement wait a random 0..gap_us µs, so the
            program is back asleep when the next signal arrives.
        seed: seeds those random gaps.
    """
    names = list(CASES) if cases is None else [cases] if isinstance(cases, str) else list(cases)
    chosen = [_case(name) for name in names]
    if n < 1:
        raise SigcampError(f"n={n}: send at least one signal per case")
    if len({c.name for c in chosen}) < len(chosen):
        raise SigcampError(f"cases {names!r} name a case twice: give each once")
    for case in chosen:  # build first, so the progress bar measures signals only
        samples.build(case.sample)
    rng = random.Random(seed)
    frames, gc = [], {}
    with _progress(total=n * len(chosen), enabled=progress) as bar:
        for case in chosen:
            bar.set_description(case.name)
            frame, gc[case.name] = _run(case, n=n, bar=bar, timeout=timeout, gap_us=gap_us, rng=rng)
            frames.append(frame)
    df = pd.concat(frames, ignore_index=True)
    df["case"] = pd.Categorical(df["case"], categories=[c.name for c in chosen], ordered=True)
    df.attrs["gc"] = gc
    return df


def _case(name):
    if isinstance(name, Case):
        return name
    if name not in CASES:
        raise SigcampError(f"unknown latency case {name!r}; choose from {', '.join(CASES)}")
    return CASES[name]


def _progress(*, total, enabled):
    return progress_bar(total=total, unit="signal", enabled=enabled)


def _run(case, *, n, bar, timeout, gap_us, rng):
    """Run one case: (DataFrame of its signals, dict of its GC figures)."""
    sent = []
    with tempfile.TemporaryDirectory(prefix="sigcamp-latency-") as tmp:
        trace = Path(tmp) / "stderr"
        try:
            with _start(case, trace=trace, timeout=timeout) as prog:
                for seq in range(n):
                    time.sleep(rng.uniform(0, gap_us) / 1e6)
                    prog.send("SIGUSR1")
                    sent.append(prog.sent_ns)
                    _await_ack(prog, case, seq, timeout)
                    bar.update()
                prog.send("SIGTERM")
                outcome = prog.wait(timeout)
        except (NotReady, SigcampError) as e:
            message = str(e).replace("/bin/sh ", f"{case.sample} ", 1)  # Go starts via sh -c exec
            raise SigcampError(f"{case.name}: {message}{_stderr_tail(trace)}") from None
        report = parse_report(outcome.output)
        report["cycles"] = parse_gctrace(trace.read_text() if trace.exists() else "")
    _check(case, outcome, report, n)
    frame = _frame(case.name, sent, report["received"], report)
    return frame, _gc_figures(report) if case.go else {}


def _stderr_tail(path):
    text = path.read_text(errors="replace").strip() if path.exists() else ""
    return f"\nIts stderr ends with:\n{text[-1500:]}" if text else ""


def _start(case, *, trace, timeout):
    """Start a case's program; a Go one runs with GODEBUG=gctrace=1 and its stderr in `trace`."""
    if not case.go:
        return session.start(case.sample, args=case.args, env=case.env, timeout=timeout)
    exe = samples.build(case.sample)
    godebug = ",".join(filter(None, [case.env.get("GODEBUG"), "gctrace=1"]))
    script = f'exec {shlex.quote(str(exe))} "$@" 2>{shlex.quote(str(trace))}'
    return session.start("/bin/sh", args=("-c", script, case.sample, *case.args),
                         env={**case.env, "GODEBUG": godebug}, timeout=timeout)


def _await_ack(prog, case, seq, timeout):
    try:
        prog.expect(r"STAMP received \d+\r?\n", timeout=timeout)
    except NotReady:
        raise SigcampError(
            f"signal #{seq} was not acknowledged within {timeout} s: the program died, or its "
            f"receiving goroutine never got to run. Its output ends with:\n{prog.output[-800:]}"
        ) from None


def parse_report(output):
    """Read a latency program's output into received stamps, GC pauses, gaps, histograms.

    Returns a dict: received [ns], pauses [(cycle, end_ns, pause_ns)], lost
    [(cycles, from_ns, to_ns)], calibrate (before, pause_end, after) or None,
    hist {metric: [(low_s, high_s, count)]}.
    """
    report = {"received": [], "pauses": [], "lost": [], "calibrate": None, "hist": {}}
    for line in output.splitlines():
        words = line.split()
        if line.startswith("STAMP received "):
            report["received"].append(int(words[2]))
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


def _check(case, outcome, report, n):
    """Raise SigcampError if the run lost signals or its clock conversion is off."""
    got = len(report["received"])
    if got != n:
        raise SigcampError(f"{case.name}: sent {n} signals but read {got} STAMP lines; output:\n"
                           f"{outcome.output[-800:]}")
    if case.go:
        if outcome.exit_code != 143:
            raise SigcampError(f"{case.name}: expected exit 143 after SIGTERM, got {outcome.how}")
        check_calibration(report["calibrate"], where=case.name)


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


def _frame(name, sent, received, report):
    sent = np.asarray(sent, dtype=np.int64)
    received = np.asarray(received, dtype=np.int64)
    pauses, cycles, lost = report["pauses"], report.get("cycles", {}), report["lost"]
    return pd.DataFrame({
        "case": name,
        "seq": np.arange(len(sent)),
        "sent_ns": sent,
        "received_ns": received,
        "latency_us": (received - sent) / 1e3,
        "overlapped_gc_pause": overlaps(sent, received, pause_windows(pauses, cycles), lost),
        "overlapped_gc_cycle": overlaps(sent, received, cycle_windows(pauses, cycles), lost),
    })


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


def _gc_figures(report):
    """GC cycles seen, and percentiles of the runtime/metrics pause histograms, in µs."""
    hist = report["hist"]
    total = hist.get("/sched/pauses/total/gc:seconds", [])
    stopping = hist.get("/sched/pauses/stopping/gc:seconds", [])
    return {
        "gc_cycles": len(report["pauses"]) + sum(k for k, _, _ in report["lost"]),
        "gc_pause_p50_us": hist_quantile(total, 0.5) * 1e6,
        "gc_pause_p99_us": hist_quantile(total, 0.99) * 1e6,
        "gc_pause_max_us": hist_quantile(total, 1.0) * 1e6,
        "gc_stopping_max_us": hist_quantile(stopping, 1.0) * 1e6,
    }


def hist_quantile(buckets, q):
    """The upper edge of the bucket holding quantile q of [(low, high, count)]; NaN if empty."""
    counts = np.array([c for _, _, c in buckets], dtype=float)
    if counts.sum() == 0:
        return float("nan")
    i = int(np.searchsorted(np.cumsum(counts), q * counts.sum(), side="left"))
    return buckets[min(i, len(buckets) - 1)][1]


def _count_true(values):
    return int(sum(v is True or v is np.True_ for v in values))  # None and NA are not True


def summary(df):
    """One row per case: signals, median/p99/max latency (µs), how many signals a GC
    pause or a GC cycle overlapped, how many are unknown, and for Go cases measured
    by measure() the GC figures of runtime/metrics (bucket upper edges, µs)."""
    groups = df.groupby("case", observed=True, sort=True)
    table = pd.DataFrame({
        "signals": groups.size(),
        "median_us": groups["latency_us"].median(),
        "p99_us": groups["latency_us"].quantile(0.99),
        "max_us": groups["latency_us"].max(),
        "pause_overlap": groups["overlapped_gc_pause"].agg(_count_true),
        "cycle_overlap": groups["overlapped_gc_cycle"].agg(_count_true),
        "unknown": groups["overlapped_gc_pause"].agg(lambda s: int(s.isna().sum())),
    })
    gc = pd.DataFrame.from_dict(df.attrs.get("gc", {}), orient="index")
    if not gc.empty:
        table = table.join(gc, how="left")
    table.index.name = "case"
    return table.round(1)

"""Signal latency against garbage collection: how long a signal takes to reach your code.

`measure()` sends SIGUSR1 to a C program (the floor) and to a Go program under
several loads (`case_table()`), one signal in flight at a time, in interleaved
rounds and on one or more Go releases, and returns one row per signal, with
whether a GC stop-the-world or GC cycle overlapped its way (from
debug.ReadGCStats and GODEBUG=gctrace=1; see `gc_record`). `summary()`
condenses it into a table; `sigcamp.plots` draws it.
"""

import contextlib
import dataclasses
import os
import random
import shlex
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import gc_record, latency_stages, samples, session, toolchain
from .errors import NotReady, SigcampError
from .progress import bar as progress_bar

COLUMNS = ["case", "round", "go", "seq", "sent_ns", "received_ns", "latency_us", "answered", "overlapped_gc_pause",
           "overlapped_gc_cycle", "sent_in_gc_pause", "first_after_gc", *latency_stages.STAGE_COLUMNS]
C_RELEASE = "C"  # the `go` column of a C program's rows


@dataclass(frozen=True)
class Case:
    """One experiment: which sample runs, with which arguments and environment.

    go: the program is latency-notify-like (reports GC pauses, exits 143 on SIGTERM).
    stages: build it against the runtime that stamps its own steps (sigcamp.latency_stages).
    seconds: send signals for this long instead of a fixed number.
    cpus: (the sender's CPU, the program's CPU) to pin both to for the run, or None.
    """

    name: str
    sample: str
    about: str
    args: tuple = ()
    env: dict = field(default_factory=dict)
    go: bool = True
    stages: bool = False
    seconds: float | None = None
    cpus: tuple | None = None


ARTICLE_LIVE = ("-live", str(1 << 20))  # 1 Mi nodes of 64 B: a 64 MiB heap for every GC to mark

CASES = {c.name: c for c in (
    Case("c-floor", "latency-c-floor", "C sigaction handler, stamped in the handler", go=False),
    Case("c-relay", "latency-c-relay", "C: a handler on one thread, then two futex wake-ups to the thread that "
         "answers (Go's way, without Go)", go=False, stages=True),
    Case("go-idle", "latency-notify", "Go signal.Notify, nothing else running", ("-load", "idle")),
    Case("go-gc-churn", "latency-notify", "Go, one goroutine allocating flat out", ("-load", "churn")),
    Case("go-spin-gc", "latency-notify", "Go, a spinning goroutine + runtime.GC() every 20 ms",
         ("-load", "spin")),
    Case("go-spin-gc-nopreempt", "latency-notify", "as go-spin-gc, with GODEBUG=asyncpreemptoff=1",
         ("-load", "spin"), {"GODEBUG": "asyncpreemptoff=1"}),
    Case("go-gc-1s", "latency-notify", "the article's set-up: runtime.GC() every 1 s over a 64 MiB heap",
         ("-load", "gc", "-gc-every", "1s", *ARTICLE_LIVE), seconds=1.5),
    Case("go-gc-100ms", "latency-notify", "the article's set-up: runtime.GC() every 100 ms over a 64 MiB heap",
         ("-load", "gc", "-gc-every", "100ms", *ARTICLE_LIVE), seconds=1.0),
    Case("go-idle-stamped", "latency-notify", "as go-idle, on a runtime that stamps its own steps",
         ("-load", "idle"), stages=True),
    Case("go-spin-gc-nopreempt-stamped", "latency-notify",
         "as go-spin-gc-nopreempt, on a runtime that stamps its own steps",
         ("-load", "spin"), {"GODEBUG": "asyncpreemptoff=1"}, stages=True),
)}


DEFAULT = ("c-floor", "go-idle", "go-gc-churn", "go-spin-gc", "go-spin-gc-nopreempt")


def case_table(cases=None):
    """The cases as a table: what runs in each (Go ones also get GODEBUG=gctrace=1)."""
    chosen = [_case(c) for c in (cases or CASES)]
    return pd.DataFrame([{"case": c.name, "sample": c.sample + (" (stamping runtime)" if c.stages and c.go else ""),
                          "args": " ".join(c.args), "env": " ".join(f"{k}={v}" for k, v in c.env.items()),
                          "signals": f"for {c.seconds:g} s" if c.seconds else "", "about": c.about}
                         for c in chosen])


def measure(cases=None, *, n=1000, rounds=1, releases=None, progress=True, timeout=10.0, gap_us=1000, seed=1,
            seconds=None, stalls="raise"):
    """Send SIGUSR1 to each case's program, one at a time, in rounds; return one row per signal.

    Each round runs every case once, a Go case once per release, in an order
    rotated by one each round (cases and releases alike).
    Columns: case, round (1...), go (the Go release, "C" for a C program), seq,
    sent_ns (time.monotonic_ns() just before os.kill), received_ns
    (CLOCK_MONOTONIC in the C handler, or as Go's Notify channel delivered),
    latency_us, answered (False for a signal still unanswered after `timeout`, whose
    latency_us is then the time waited, a lower bound), overlapped_gc_pause (a stop-the-world touched the signal's way:
    True, False, or None where the GC record has a gap), overlapped_gc_cycle
    (the same for any part of a GC cycle), sent_in_gc_pause (kill() fell inside a
    stop-the-world; None where the record has a gap), first_after_gc (the first
    signal sent after a GC cycle ended) and, for cases with stages, the runtime's stamps
    (latency_stages.STAGE_COLUMNS; NA elsewhere). Go programs run with
    GODEBUG=gctrace=1 added, their stderr kept apart, to place each
    stop-the-world. df.attrs["runs"] has one dict per program run (case, round,
    go, seconds, signals and its GC report) for summary().

    Args:
        cases: names from CASES (default: DEFAULT), or Case objects.
        n: signals per case and round (a case with `seconds` sends for that long instead).
        rounds: how many times each case runs.
        releases: Go toolchain specs for toolchain.using() ("go1.27.3", "installed"; None
            is the one in use); default: the one in use.
        progress: show which run is under way (a line that updates in a notebook).
        timeout: seconds to wait for READY, for each acknowledgement, and for the exit;
            past it SigcampError (but see `stalls`). Programs are killed and reaped on any
            error or interrupt.
        gap_us: after each acknowledgement wait a random 0..gap_us µs, so the program is
            back asleep when the next signal arrives.
        seed: seeds those random gaps.
        seconds: overrides every timed case's `seconds`.
        stalls: "raise" (a signal unanswered after `timeout` is a SigcampError) or "record"
            (it becomes a row with answered False, the program is killed and the run ends
            there; the other cases and rounds go on).
    """
    if stalls not in ("raise", "record"):
        raise SigcampError(f"stalls={stalls!r}: use 'raise' or 'record'")
    names = list(DEFAULT) if cases is None else [cases] if isinstance(cases, str) else list(cases)
    chosen = [_case(name) for name in names]
    if n < 1 or rounds < 1:
        raise SigcampError(f"n={n}, rounds={rounds}: send at least one signal per case, in at least one round")
    if len({c.name for c in chosen}) < len(chosen):
        raise SigcampError(f"cases {names!r} name a case twice: give each once")
    if seconds is not None:
        chosen = [dataclasses.replace(c, seconds=seconds) if c.seconds else c for c in chosen]
    plan = _plan(chosen, rounds, list(releases) if releases else [None])
    exes = {(c.name, spec): _build(c, spec) for _, c, spec in plan}  # build first: measure signals only
    rng = random.Random(seed)
    frames, runs = [], []
    with progress_bar(total=len(plan), unit="run", enabled=progress) as bar:
        for rnd, case, spec in plan:
            exe, go = exes[(case.name, spec)]
            bar.set_description(f"{case.name}, round {rnd} of {rounds}" + (f", {go}" if case.go else ""))
            frame, run = _run(case, exe, n=n, timeout=timeout, gap_us=gap_us, rng=rng, stalls=stalls)
            frame.insert(1, "round", rnd)
            frame.insert(2, "go", go)
            frames.append(frame)
            runs.append({"case": case.name, "round": rnd, "go": go, **run})
            bar.update(1)
    df = pd.concat(frames, ignore_index=True)
    df["case"] = pd.Categorical(df["case"], categories=[c.name for c in chosen], ordered=True)
    df.attrs["runs"] = Runs(runs)
    return df


class Runs(list):
    """The runs of a measurement (one dict each), kept in df.attrs. pandas deep-copies attrs on
    every operation; the records are never changed after measure(), so a copy shares them."""

    def __deepcopy__(self, memo):
        return self


def _plan(cases, rounds, releases):
    """[(round, case, release spec)]: every case once per round (a Go one once per release), the
    cases' order rotated by one each round and the releases' order too, so no run always follows
    the same one."""
    plan = []
    for r in range(rounds):
        shift = r % len(cases)
        turn = releases[r % len(releases):] + releases[:r % len(releases)]
        for case in cases[shift:] + cases[:shift]:
            plan += [(r + 1, case, spec) for spec in (turn if case.go else [None])]
    return plan


def _build(case, spec):
    """(executable, release label) of a case on a release; C programs do not depend on Go."""
    if not case.go:
        return samples.build(case.sample), C_RELEASE
    with toolchain.using(spec) if spec is not None else contextlib.nullcontext(toolchain.go()) as go:
        exe = latency_stages.build() if case.stages else samples.build(case.sample)
        return exe, go.version_text


def _case(name):
    if isinstance(name, Case):
        return name
    if name not in CASES:
        raise SigcampError(f"unknown latency case {name!r}; choose from {', '.join(CASES)}")
    return CASES[name]




def _run(case, exe, *, n, timeout, gap_us, rng, stalls):
    """Run one case once: (DataFrame of its signals, dict of the run's facts and GC report)."""
    sent, waited = [], None
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="sigcamp-latency-") as tmp:
        trace = Path(tmp) / "stderr"
        try:
            with _start(case, exe, trace=trace, timeout=timeout) as prog, _placed(case, prog.pid):
                begun = time.monotonic()
                while waited is None and ((time.monotonic() - begun < case.seconds) if case.seconds else len(sent) < n):
                    time.sleep(rng.uniform(0, gap_us) / 1e6)
                    sent_ns, waited = _signal(prog, case, len(sent), timeout, stalls)
                    sent.append(sent_ns)
                if waited is None:
                    prog.send("SIGTERM")
                    outcome = prog.wait(timeout)
                else:
                    outcome = prog.wait(0)  # still stalled: killed and reaped
        except (NotReady, SigcampError) as e:
            message = str(e).replace("/bin/sh ", f"{case.sample} ", 1)  # Go starts via sh -c exec
            raise SigcampError(f"{case.name}: {message}{_stderr_tail(trace)}") from None
        report = gc_record.parse_report(outcome.output)
        report["cycles"] = gc_record.parse_gctrace(trace.read_text() if trace.exists() else "")
    _check(case, outcome, report, len(sent), stalled=waited is not None)
    run = {"seconds": time.monotonic() - started, "signals": len(sent), "unanswered": int(waited is not None),
           "report": report}
    return _frame(case.name, sent, report, waited), run


def _signal(prog, case, seq, timeout, stalls):
    """Send one SIGUSR1 and wait for its STAMP line: (when it was sent, None), or with
    stalls="record" (when it was sent, ns waited) if no answer came within `timeout`."""
    prog.send("SIGUSR1")
    sent = prog.sent_ns
    try:
        prog.expect(r"STAMP received \d+\r?\n", timeout=timeout)
    except NotReady:
        if stalls == "record" and prog.alive():
            return sent, time.monotonic_ns() - sent
        raise SigcampError(
            f"signal #{seq} was not acknowledged within {timeout} s: the program died, or its "
            f"receiving goroutine never got to run. Its output ends with:\n{prog.output[-800:]}"
        ) from None
    return sent, None


def _stderr_tail(path):
    text = path.read_text(errors="replace").strip() if path.exists() else ""
    return f"\nIts stderr ends with:\n{text[-1500:]}" if text else ""


def _start(case, exe, *, trace, timeout):
    """Start a case's program; a Go one runs with GODEBUG=gctrace=1 and its stderr in `trace`."""
    if not case.go:
        return session.start(exe, args=case.args, env=case.env, timeout=timeout)
    godebug = ",".join(filter(None, [case.env.get("GODEBUG"), "gctrace=1"]))
    script = f'exec {shlex.quote(str(exe))} "$@" 2>{shlex.quote(str(trace))}'
    return session.start("/bin/sh", args=("-c", script, case.sample, *case.args),
                         env={**case.env, "GODEBUG": godebug}, timeout=timeout)


@contextlib.contextmanager
def _placed(case, pid):
    """With case.cpus = (sender CPU, program CPU): this thread and every thread of the program
    pinned there for the run (threads the program starts later inherit it); restored after."""
    if case.cpus is None:
        yield
        return
    sender, target = case.cpus
    allowed = os.sched_getaffinity(0)
    if not {sender, target} <= allowed:
        raise SigcampError(f"{case.name}: CPUs {case.cpus} are not all among this process's CPUs {sorted(allowed)}")
    try:
        os.sched_setaffinity(0, {sender})
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(OSError):  # a thread that just ended
                os.sched_setaffinity(int(task.name), {target})
        yield
    finally:
        os.sched_setaffinity(0, allowed)


def _check(case, outcome, report, n, *, stalled=False):
    """Raise SigcampError if the run lost signals or its clock conversion is off (a stalled run
    has one signal unanswered and no exit of its own)."""
    got, answered = len(report["received"]), n - int(stalled)
    if got != answered:
        raise SigcampError(f"{case.name}: {answered} signals answered but read {got} STAMP lines; output:\n"
                           f"{outcome.output[-800:]}")
    if case.go:
        if not stalled and outcome.exit_code != 143:
            raise SigcampError(f"{case.name}: expected exit 143 after SIGTERM, got {outcome.how}")
        gc_record.check_calibration(report["calibrate"], where=case.name)
    if case.stages and len(report["stages"]) != answered:
        raise SigcampError(f"{case.name}: {len(report['stages'])} STAGES lines for {answered} signals; is the "
                           "stamping runtime in the build?")


def _frame(name, sent, report, waited=None):
    """One row per signal; with `waited` (ns) the last one went unanswered: its latency is the
    time waited, its GC overlap unknown."""
    sent = np.asarray(sent, dtype=np.int64)
    received = np.asarray(report["received"] + ([int(sent[-1] + waited)] if waited is not None else []),
                          dtype=np.int64)
    answered = np.ones(len(sent), dtype=bool)
    stages = report["stages"]
    if waited is not None:
        answered[-1] = False
        stages = stages + [(0,) * len(latency_stages.STAGE_COLUMNS)] if stages else stages
    pauses, cycles, lost = report["pauses"], report.get("cycles", {}), report["lost"]
    stw = gc_record.pause_windows(pauses, cycles)
    frame = pd.DataFrame({
        "case": name,
        "seq": np.arange(len(sent)),
        "sent_ns": sent,
        "received_ns": received,
        "latency_us": (received - sent) / 1e3,
        "answered": answered,
        "overlapped_gc_pause": gc_record.overlaps(sent, received, stw, lost),
        "overlapped_gc_cycle": gc_record.overlaps(sent, received, gc_record.cycle_windows(pauses, cycles), lost),
        "sent_in_gc_pause": gc_record.overlaps(sent, sent, stw, lost),
        "first_after_gc": gc_record.after_cycle(sent, gc_record.cycle_windows(pauses, cycles)),
        **latency_stages.stamped_columns(stages, len(sent)),
    })
    if waited is not None:
        last = frame.index[-1]
        frame.loc[last, ["overlapped_gc_pause", "overlapped_gc_cycle"]] = None
        frame.loc[last, latency_stages.STAGE_COLUMNS] = pd.NA
    return frame


def count_true(values):
    """How many values are True (None and NA are not)."""
    return int(sum(v is True or v is np.True_ for v in values))


def summary(df, by=("case",)):
    """One row per group of `by` (columns of df: case, and round or go): signals, mean,
    median, p95, p99 and max latency (µs), how many signals a GC pause or a GC cycle
    overlapped, how many are unknown and how many went unanswered (their latency is a lower
    bound), then the GC figures of runtime/metrics for
    the group's Go runs (bucket upper edges, µs)."""
    by = list(by)
    groups = df.groupby(by, observed=True, sort=True)
    table = pd.DataFrame({
        "signals": groups.size(),
        "mean_us": groups["latency_us"].mean(),
        "median_us": groups["latency_us"].median(),
        "p95_us": groups["latency_us"].quantile(0.95),
        "p99_us": groups["latency_us"].quantile(0.99),
        "max_us": groups["latency_us"].max(),
        "pause_overlap": groups["overlapped_gc_pause"].agg(count_true),
        "cycle_overlap": groups["overlapped_gc_cycle"].agg(count_true),
        "unknown": groups["overlapped_gc_pause"].agg(lambda s: int(s.isna().sum())),
        "unanswered": groups["answered"].agg(lambda s: int((~s.astype(bool)).sum())),
    })
    runs = [r for r in df.attrs.get("runs", []) if r["go"] != C_RELEASE]
    if runs:
        gc = {}
        for key in table.index:
            key_t = key if isinstance(key, tuple) else (key,)
            mine = [r["report"] for r in runs if all(str(r[col]) == str(v) for col, v in zip(by, key_t))]
            if mine:
                gc[key] = gc_record.gc_figures(mine)
        if gc:
            table = table.join(pd.DataFrame([gc.get(key, {}) for key in table.index], index=table.index))
    return table

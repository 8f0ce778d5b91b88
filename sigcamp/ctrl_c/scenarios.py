"""Chapter 1's scenarios: a sample, how it is started, and a real Ctrl+C, run many times.

`scenario_runs()` runs each scenario repeatedly and returns one row per run. Timed
scenarios run one at a time, each Ctrl+C typed at a random moment shortly after
the program is ready, so their latencies form a distribution; the others (whose
outcome is all that counts) run side by side to save time. `scenario_table()` and
`latency_table()` condense the runs for the reader.
"""

import contextlib
import random
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import conformance, samples, session
from ..i18n import N_
from . import words as W

DELAY_MS = 30.0  # a timed Ctrl+C comes at a random moment 0..DELAY_MS after READY (sysmon's cycle is <= 20 ms)
SURVIVAL_WAIT = 1.0  # seconds a program expected to survive must outlive its Ctrl+C


@dataclass(frozen=True)
class Scenario:
    """One way to press Ctrl+C at a program; `timed` ones are measured one run at a time."""

    title: str
    sample: str
    env: dict = field(default_factory=dict)
    args: tuple = ()
    launch: str | None = None
    wait: float | None = None  # seconds to wait after the last Ctrl+C (default: the sample's Wait:)
    timed: bool = False
    delay_ms: float = DELAY_MS  # a timed run's Ctrl+C comes at a random moment in [0, delay_ms] after READY

    @property
    def setting(self):
        """How it is started, beyond ./prog at a shell: the sample's own Env with this scenario's on top,
        its arguments and launch, e.g. 'GOMAXPROCS=1 GODEBUG=asyncpreemptoff=1' or 'nohup ./prog'."""
        env = {**samples.find(self.sample).env, **self.env}
        parts = [f"{k}={v}" for k, v in env.items()] + list(self.args)
        if self.launch:
            parts.append(W.LAUNCHES[self.launch])
        return " ".join(parts)


SPIN = N_("no Notify, spinning in for {}")
SLEEP = N_("the article's example: no Notify, time.Sleep loop")
C_DEFAULT = N_("a C program with no handler")
EXIT = N_("signal.Notify, then exit 130")
CONTEXT = "signal.NotifyContext"
IGNORE = "signal.Ignore(os.Interrupt)"
UNREAD = N_("Notify, but nobody reads the channel")
ONE_P = N_("Notify, GOMAXPROCS=1, main goroutine spins")
HELD = N_("Notify, GOMAXPROCS=1, spins, no async preemption")
STALL = N_("Notify, spinner + runtime.GC(), no async preemption")
BACKGROUND = N_("no Notify, started as a script's background job")
NOHUP = N_("no Notify, started under nohup")
SETSID = N_("Notify, started under setsid")
TWICE = N_("Notify; first ^C starts shutdown, second forces exit")

SCENARIOS = (
    Scenario(SPIN, "spin-no-notify", timed=True),
    Scenario(SLEEP, "article-sleep-loop", timed=True),
    Scenario(C_DEFAULT, "c-no-handler", timed=True),
    Scenario(EXIT, "notify-exit", timed=True),
    Scenario(CONTEXT, "notify-context", timed=True),
    Scenario(IGNORE, "signal-ignore"),
    Scenario(UNREAD, "notify-unread"),
    Scenario(ONE_P, "notify-spin", timed=True),
    Scenario(HELD, "notify-spin", env={"GODEBUG": "asyncpreemptoff=1"}, wait=SURVIVAL_WAIT),
    # READY comes once the GC already waits for the spinner: no random delay, the Ctrl+C meets the stall
    Scenario(STALL, "gc-spin-stall", timed=True, delay_ms=0.0),
    Scenario(BACKGROUND, "spin-no-notify", launch="background", wait=SURVIVAL_WAIT),
    Scenario(NOHUP, "spin-no-notify", launch="nohup"),
    Scenario(SETSID, "notify-exit", launch="setsid", wait=SURVIVAL_WAIT),
    Scenario(TWICE, "notify-twice"),
)


def scenario(title):
    """The scenario with this title; KeyError listing the titles."""
    for sc in SCENARIOS:
        if sc.title == title:
            return sc
    raise KeyError(f"no scenario {title!r}; the scenarios are: {'; '.join(s.title for s in SCENARIOS)}")


@contextlib.contextmanager
def _started(sc, *, delay=0.0):
    """Start the scenario's program, wait `delay` s, type its Ctrl+C steps; yields the Running."""
    sample = samples.find(sc.sample)
    with session.start(sample.name, env=sc.env or None, args=sc.args, launch=sc.launch,
                       ready=sample.ready) as running:
        if delay:
            running.pause(delay)
        conformance.perform(running, sample.send)
        yield running


def _wait(sc):
    """Seconds to wait after the last Ctrl+C: the scenario's, else its sample's Wait:."""
    return samples.find(sc.sample).wait if sc.wait is None else sc.wait


def wait_of(title):
    """How long a scenario's runs waited after the last Ctrl+C before counting as survived (s)."""
    return _wait(scenario(title))


def run_scenario(sc, *, delay=0.0):
    """One real run of a scenario (Ctrl+C `delay` s after READY); returns its sigcamp Outcome."""
    with _started(sc, delay=delay) as running:
        return running.wait(_wait(sc))


def row(sc, outcome, *, run=0, delay_ms=0.0, timed=False):
    """One run as a row: how it ended, the status a shell would show, and (timed runs) the latency."""
    handler = outcome.handler_latency_ms
    latency = handler if handler is not None else outcome.exit_latency_ms
    return {
        "scenario": sc.title, "sample": sc.sample, "setting": sc.setting, "run": run, "timed": timed,
        "delay_ms": delay_ms, "ended": outcome.how, "shell_status": outcome.shell_status,
        "latency_ms": latency if timed else None,
        "latency_of": (W.RECEIVED if handler is not None else W.GONE if not outcome.alive else "") if timed else "",
        "transcript": outcome.transcript, "stamps": outcome.stamps, "sent_ns": outcome.sent_ns,
    }


def scenario_runs(scenarios=SCENARIOS, *, repeat=5, timed=20, seed=1):
    """Run every scenario: `timed` runs of each timed one (one at a time, Ctrl+C at a random moment
    within its delay_ms after READY, seeded), `repeat` runs of each other one (side by side).

    Returns one row per run: scenario, sample, setting, run, timed, delay_ms, ended,
    shell_status, latency_ms (timed runs only), latency_of, transcript, stamps, sent_ns.
    """
    if repeat < 1 or timed < 1:
        raise ValueError(f"repeat={repeat}, timed={timed}: run each scenario at least once")
    scenarios = [scenario(s) if isinstance(s, str) else s for s in scenarios]
    for sc in scenarios:  # build first, so no run waits for the compiler
        samples.build(sc.sample)
    rng = random.Random(seed)
    rows = []
    for sc in scenarios:
        if sc.timed:
            for i in range(timed):
                delay = rng.uniform(0, sc.delay_ms) / 1e3
                rows.append(row(sc, run_scenario(sc, delay=delay), run=i, delay_ms=delay * 1e3, timed=True))
    rows += side_by_side([(sc, i) for sc in scenarios if not sc.timed for i in range(repeat)])
    order = {sc.title: k for k, sc in enumerate(scenarios)}
    df = pd.DataFrame(rows)
    return df.sort_values(["scenario", "run"], key=lambda s: s.map(order) if s.name == "scenario" else s,
                          kind="stable").reset_index(drop=True)


def side_by_side(jobs):
    """Run (scenario, run number) jobs at the same time: start each and type its Ctrl+C, then give
    each its wait counted from its own Ctrl+C. Rows as row() gives them, untimed."""
    with contextlib.ExitStack() as stack:
        started = [(sc, i, stack.enter_context(_started(sc))) for sc, i in jobs]
        rows = []
        for sc, i, running in started:
            left = (running.sent_ns or time.monotonic_ns()) / 1e9 + _wait(sc) - time.monotonic()
            rows.append(row(sc, running.wait(max(left, 0.05)), run=i))
    return rows


def percentiles(values):
    """p10, median, p90 and max of some latencies (ms); blanks when there are none."""
    v = np.asarray([x for x in values if x is not None and not pd.isna(x)], dtype=float)
    if not len(v):
        return {W.P10: None, W.P50: None, W.P90: None, W.MAX: None}
    p10, p50, p90 = np.percentile(v, [10, 50, 90])
    return {W.P10: p10, W.P50: p50, W.P90: p90, W.MAX: v.max()}


def scenario_table(runs):
    """One row per scenario: how its runs ended (with counts when they differ), the status a shell
    would show, and for timed scenarios the median and p90 latency."""
    out = []
    for title, sub in runs.groupby("scenario", sort=False):
        counts = sub["ended"].value_counts().to_dict()
        shell = sub["shell_status"].dropna().astype(int).unique()
        lat = percentiles(sub["latency_ms"])
        out.append({W.SCENARIO: title, W.SAMPLE: sub["sample"].iloc[0], W.SETTING: sub["setting"].iloc[0] or W.DEFAULT,
                    W.RUNS: len(sub), W.ENDED: W.ended_in(counts),
                    W.SHELL: ", ".join(map(str, shell)) if len(shell) else W.STILL_RUNNING,
                    W.P50: lat[W.P50], W.P90: lat[W.P90],
                    W.LATENCY_OF: next((x for x in sub["latency_of"] if x), "")})
    return pd.DataFrame(out)


def latency_table(runs):
    """The timed scenarios' latency distributions: runs, p10, median, p90 and max, in ms."""
    out = []
    for title, sub in runs[runs["timed"]].groupby("scenario", sort=False):
        out.append({W.SCENARIO: title, W.RUNS: int(sub["latency_ms"].notna().sum()), **percentiles(sub["latency_ms"]),
                    W.LATENCY_OF: next((x for x in sub["latency_of"] if x), "")})
    return pd.DataFrame(out)


def runs_of(runs, title):
    """The rows of one scenario; KeyError when the runs hold none."""
    sub = runs[runs["scenario"] == title]
    if sub.empty:
        raise KeyError(f"the runs hold no run of {title!r}")
    return sub

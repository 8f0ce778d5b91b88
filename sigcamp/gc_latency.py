"""Chapter 2, GC pauses versus signal latency: the experiment, in rounds, against this machine's noise.

`study()` runs sigcamp.latency's cases in interleaved rounds on each Go release the course
runs on: the C floor (its p99 and max are the machine's own noise band), Go under several
loads, the article's set-up (a GC every 1 s and every 100 ms, read with the article's
statistics: mean and the P95 increase), runs on a runtime that stamps its own steps (the idle
program, and the spinner with async preemption off), and their control: a C program that takes
Go's way (a handler, then two futex wake-ups) and stamps the same steps.
A `Study` turns the signals into the tables the chapter shows and the claims judge
(sigcamp.claims.ch2_latency); `gc_latency_tables` makes them readable.
"""

import dataclasses
import os
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import latency, latency_stages, toolchain

FLOOR, BASELINE = "c-floor", "go-idle"
STW_HELD = "go-spin-gc-nopreempt-stamped"  # the spinner case, on the stamping runtime: one run serves both
MAIN = (FLOOR, BASELINE, "go-gc-churn", "go-spin-gc", STW_HELD)
ARTICLE = {  # case -> (GC period, the article's mean latency µs, its P95 increase µs)
    "go-gc-1s": ("1 s", 12_300.0, 8_700.0),
    "go-gc-100ms": ("100 ms", 41_600.0, 33_200.0),
}
STAMPED_IDLE, RELAY = "go-idle-stamped", "c-relay"  # RELAY: Go's way through three threads, in C
CASES = MAIN + tuple(ARTICLE) + (STAMPED_IDLE, RELAY)
STAMPED = (RELAY, STAMPED_IDLE, STW_HELD)

_GATHERED = {}  # Go version -> the latest Study of it gathered in this process (see evidence())


@dataclass
class Study:
    """Every signal of a study (latency.measure()'s rows; attrs["runs"] per program run)."""

    signals: pd.DataFrame

    @property
    def releases(self):
        """The Go releases in the study, in the order they ran."""
        return [g for g in pd.unique(self.signals["go"]) if g != latency.C_RELEASE]

    @property
    def rounds(self):
        return sorted(int(r) for r in pd.unique(self.signals["round"]))

    def of(self, go=None):
        """The study of one release (default: the toolchain in use) with the C floor's runs."""
        go = go or toolchain.go().version_text
        if go not in self.releases:
            raise KeyError(f"the study has no runs on {go}; it ran on {', '.join(self.releases) or 'none'}")
        keep = self.signals["go"].isin([go, latency.C_RELEASE])
        df = self.signals[keep].copy()
        df.attrs["runs"] = latency.Runs(r for r in self.signals.attrs.get("runs", []) if r["go"] in (go, latency.C_RELEASE))
        return Study(df)

    def part(self, cases):
        """The signals of some cases (all releases), attrs kept."""
        df = self.signals[self.signals["case"].isin(list(cases))].copy()
        df["case"] = df["case"].cat.remove_unused_categories() if hasattr(df["case"], "cat") else df["case"]
        df.attrs["runs"] = latency.Runs(r for r in self.signals.attrs.get("runs", []) if r["case"] in set(cases))
        return df

    def band(self):
        """The noise band per round: the C floor's signals, median, p99 and max (µs)."""
        floor = self.signals[self.signals["case"] == FLOOR]
        if floor.empty:
            raise KeyError("the study has no C floor runs: the noise band needs them")
        lat = floor.groupby("round")["latency_us"]
        return pd.DataFrame({"signals": lat.size(), "median_us": lat.median(), "p99_us": lat.quantile(0.99),
                             "max_us": lat.max()})

    def figure_signals(self):
        """The signals the figures and summaries show: every case but the stamped idle one and the C relay."""
        return self.part(MAIN + tuple(ARTICLE))

    def summary(self, by=("case", "go")):
        """latency.summary() of the figures' cases, grouped by `by`."""
        return latency.summary(self.figure_signals(), by=by)

    def article(self):
        """The article's statistics of its own set-up, one row per (case, go, round): signals, GC
        cycles, mean, the same round's go-idle mean, P95, its go-idle P95, the increase, the first signals
        after each GC (how many, their median) and the other signals' median, the round's noise band
        (C floor p99), all µs."""
        rows = []
        runs = self.signals.attrs.get("runs", [])
        for (case, go, rnd), part in self.signals[self.signals["case"].isin(list(ARTICLE))].groupby(
                ["case", "go", "round"], observed=True, sort=False):
            idle = self._rows(BASELINE, go, rnd)
            after = part["first_after_gc"].astype(bool)
            first, others = part[after], part[~after]
            cycles = [r["report"] for r in runs if (r["case"], r["go"], r["round"]) == (case, go, rnd)]
            p95 = part["latency_us"].quantile(0.95)
            idle_p95 = idle["latency_us"].quantile(0.95) if len(idle) else np.nan
            idle_mean = idle["latency_us"].mean() if len(idle) else np.nan
            rows.append({"case": case, "go": go, "round": rnd, "every": ARTICLE[case][0], "signals": len(part),
                         "gc_cycles": sum(len(r["pauses"]) for r in cycles) if cycles else np.nan,
                         "mean_us": part["latency_us"].mean(), "idle_mean_us": idle_mean, "p95_us": p95,
                         "idle_p95_us": idle_p95,
                         "p95_increase_us": p95 - idle_p95, "first_after_gc": len(first),
                         "first_after_gc_median_us": first["latency_us"].median() if len(first) else np.nan,
                         "others_median_us": others["latency_us"].median(),
                         "article_mean_us": ARTICLE[case][1], "article_p95_increase_us": ARTICLE[case][2],
                         "floor_p99_us": self._floor_p99(rnd)})
        return pd.DataFrame(rows)

    def steps(self):
        """The stamped signals' steps (µs, latency_stages.STEPS), with case, go, round, whether
        kill() fell inside a stop-the-world, and how many threads carried the signal."""
        staged = self.signals[self.signals["case"].isin(list(STAMPED))]
        steps = latency_stages.steps(staged)
        out = staged.loc[steps.index, ["case", "go", "round", "sent_in_gc_pause", "latency_us"]].join(steps)
        out["threads"] = latency_stages.threads(staged).reindex(steps.index)
        return out

    def floor_steps(self):
        """The C floor's kill → handler (µs) per round: the same kernel step as Go's first."""
        floor = self.signals[self.signals["case"] == FLOOR]
        return floor[["round", "latency_us"]]

    def _rows(self, case, go, rnd):
        df = self.signals
        return df[(df["case"] == case) & (df["go"] == go) & (df["round"] == rnd)]

    def _floor_p99(self, rnd):
        band = self.band()
        return float(band.loc[rnd, "p99_us"]) if rnd in band.index else np.nan


def study(*, n=100, rounds=3, releases=None, seconds=None, timeout=5.0, progress=True, seed=1):
    """Run the chapter's cases (CASES) in `rounds` interleaved rounds on each release; a Study.

    n: signals per case and round (the article's cases send for their own time, or `seconds`);
    releases: toolchain.using() specs (default: every release the course runs on);
    timeout: a signal still unanswered after it is recorded as such (latency at least
    `timeout`) and ends its run; the study goes on.
    """
    releases = toolchain.course_versions() if releases is None else list(releases)
    df = latency.measure(list(CASES), n=n, rounds=rounds, releases=releases, progress=progress, seed=seed,
                         seconds=seconds, timeout=timeout, stalls="record")
    found = Study(df)
    for go in found.releases:
        _GATHERED[go] = found.of(go)
    return found


def evidence(*, n=100, rounds=3, seconds=1.0):
    """The study of the toolchain in use, for the claim ledger: the one gathered last in this
    process (a notebook's own run, on every release), or else a smaller one run now."""
    go = toolchain.go().version_text
    if go not in _GATHERED:
        study(n=n, rounds=rounds, releases=[None], seconds=seconds, progress=False)
    return _GATHERED[go]


PLACES = ("the sender's CPU", "the other CPU")


def placement(*, n=60, rounds=3, progress=False):
    """The first step, kill() to the handler, with the threads placed by hand: the idle Go program on
    the stamping runtime (the toolchain in use) and the C relay, with this process on one CPU and
    every thread of the program on the same CPU, then on another, in interleaved rounds. One row per
    program and placement: signals, median and p90 (µs). A one-CPU machine has the first only."""
    cpus = sorted(os.sched_getaffinity(0))
    pins = dict(zip(PLACES, [(cpus[0], cpus[0])] + ([(cpus[0], cpus[1])] if len(cpus) > 1 else [])))
    cases = [dataclasses.replace(latency.CASES[name], name=f"{name} on {place}", cpus=pin)
             for name in (STAMPED_IDLE, RELAY) for place, pin in pins.items()]
    df = latency.measure(cases, n=n, rounds=rounds, progress=progress)
    first = latency_stages.steps(df)[next(iter(latency_stages.STEPS))]
    rows = []
    for case in cases:
        values = first[df.loc[first.index, "case"] == case.name]
        name, place = case.name.split(" on ", 1)
        rows.append({"case": name, "go": df.loc[values.index, "go"].iloc[0], "placed on": place,
                     "signals": len(values), "median_us": values.median(), "p90_us": values.quantile(0.9)})
    return pd.DataFrame(rows)

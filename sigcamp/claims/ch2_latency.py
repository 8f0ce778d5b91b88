"""Chapter 2's claims on GC pauses and signal latency (the article's section 2.4).

Evidence: gc_latency.evidence(), a gc_latency.Study of one Go release: the C floor (its p99 in
each round is that round's noise band), Go under load, the article's set-up and the runs on a
runtime that stamps its own steps, in interleaved rounds. An effect is measured against the idle
Go program of the same round, counts only where it exceeds that round's noise band, and only when
a majority of the rounds show it.
"""

import numpy as np

from ..gc_latency import STAMPED_IDLE, STW_HELD as STAMPED_STW
from ..gc_latency_tables import duration
from ..ledger import Claim, Finding, holds, holds_only_when, not_reproduced, refuted

STUDY = "gc_latency.evidence"
MIN_SIGNALS = 3  # a round speaks of kill() during a stop-the-world only with at least this many
HANDLER_STEP, WAY = "kill → runtime handler", "latency_us"


def majority(flags):
    """True when more than half of the rounds (flags) say so."""
    flags = list(flags)
    return bool(flags) and sum(flags) * 2 > len(flags)


def _span(values, *, sign=False):
    values = [v for v in values if np.isfinite(v)]
    if not values:
        return "nothing measured"
    text = [("+" if sign and v >= 0 else "") + duration(v) for v in (min(values), max(values))]
    return text[0] if text[0] == text[1] else f"{text[0]} to {text[1]}"


def _band(study):
    band = study.band()
    return f"noise band (C floor p99 per round) {_span(band['p99_us'])}"


def judge_article_table(study):
    """The article's rows (a GC every 1 s: mean 12.3 ms, P95 +8.7 ms; every 100 ms: 41.6 ms, +33.2 ms)
    hold for a round when its mean and P95 increase both reach half the article's figures and its mean
    exceeds the idle program's of the same round by more than the round's noise band; a row is
    reproduced when a majority of rounds do."""
    table = study.article()
    if table.empty:
        return Finding(not_reproduced("the article's set-up did not run"), "no runs of go-gc-1s or go-gc-100ms")
    reproduced, parts, wide = [], [], []
    for case, rows in table.groupby("case", sort=False):
        first = rows.iloc[0]
        reached = (rows["mean_us"] >= first["article_mean_us"] / 2) \
            & (rows["p95_increase_us"] >= first["article_p95_increase_us"] / 2) \
            & (rows["mean_us"] - rows["idle_mean_us"] > rows["floor_p99_us"])
        if majority(reached):
            reproduced.append(first["every"])
        wide.append(majority(rows["floor_p99_us"] >= first["article_mean_us"] / 2))
        cycles = "" if rows["gc_cycles"].isna().all() else f", {int(rows['gc_cycles'].sum())} GC cycles"
        parts.append(f"GC every {first['every']}: mean {_span(rows['mean_us'])} against the article's "
                     f"{duration(first['article_mean_us'])}, P95 increase {_span(rows['p95_increase_us'], sign=True)} against "
                     f"+{duration(first['article_p95_increase_us'])} ({int(reached.sum())} of {len(rows)} rounds "
                     f"reach half of both; {int(rows['signals'].sum())} signals{cycles})")
    measured = "; ".join(parts) + f"; {_band(study)}"
    if len(reproduced) == len(parts):
        return Finding(holds(), measured)
    if reproduced:
        return Finding(holds_only_when(f"a GC runs every {' and '.join(reproduced)} (the other period stays "
                                       "below half the article's figures)"), measured)
    tried = (f"runtime.GC() every 1 s and every 100 ms over a 64 MiB heap, {table['round'].nunique()} interleaved "
             "rounds each, signals one at a time; mean and P95 increase over an idle Go program in the same round")
    if majority(wide):
        tried += "; this machine's noise band is as wide as the article's figures, so a quieter machine may tell more"
    return Finding(not_reproduced(tried), measured)


def judge_stw_waits(study):
    """The article's flow: a signal that arrives during a stop-the-world waits for the GC before its
    handler runs. Per round, the signals whose kill() fell inside a stop-the-world (spinner + GC, async
    preemption off, stamped runtime) against the idle stamped program of the same round: is
    runtime.sighandler later than there by more than the round's noise band? Is the receiving goroutine?"""
    steps = study.steps()
    spin, idle = steps[steps["case"] == STAMPED_STW], steps[steps["case"] == STAMPED_IDLE]
    hit = spin[spin["sent_in_gc_pause"].map(lambda v: v is True or v is np.True_)]
    band = study.band()["p99_us"]
    rounds = [(rnd, rows, idle[idle["round"] == rnd]) for rnd, rows in hit.groupby("round")
              if len(rows) >= MIN_SIGNALS and (idle["round"] == rnd).any()]
    if not rounds:
        return Finding(not_reproduced(f"no round had {MIN_SIGNALS} or more signals sent during a stop-the-world "
                                      "(and an idle run beside them)"),
                       f"{len(hit)} of {len(spin)} signals to the spinner program were sent during a stop-the-world")

    def later(column):
        return [rows[column].median() - calm[column].median() for _, rows, calm in rounds]

    handler, way = later(HANDLER_STEP), later(WAY)
    limits = [band.get(rnd, np.inf) for rnd, _, _ in rounds]
    measured = (f"{len(hit)} of {len(spin)} signals sent during a stop-the-world, {len(rounds)} rounds; against the "
                f"idle program in the same round (median per round): runtime.sighandler "
                f"{_span(handler, sign=True)}, the receiving goroutine {_span(way, sign=True)}; {_band(study)}")
    if not majority(w > lim for w, lim in zip(way, limits)):
        return Finding(refuted(), measured)
    if majority(h > lim for h, lim in zip(handler, limits)):
        return Finding(holds(), measured)
    return Finding(holds_only_when("the handler is your goroutine receiving from the Notify channel: it waits for "
                                   "the world to restart, but the runtime's own handler runs at once"), measured)


def judge_first_after_gc(study):
    """The article's "jump of the first signal after each GC": per round, the first signal sent after
    each GC cycle of the article's set-up (both periods) against the other signals of the same runs.
    It holds when their median exceeds the others' by more than the round's noise band in most rounds;
    a first signal slower in most rounds, but within the band, is not reproduced; else refuted."""
    table = study.article()
    rounds = table[table["first_after_gc"] > 0]
    if rounds.empty:
        return Finding(not_reproduced("no GC cycle ended while the article's set-up was being signalled"),
                       f"{len(table)} runs of the article's set-up, none with a signal after a GC cycle")
    band = study.band()["p99_us"]
    gaps, beyond = [], []
    for rnd, rows in rounds.groupby("round"):
        first = float(np.average(rows["first_after_gc_median_us"], weights=rows["first_after_gc"]))
        gaps.append(first - float(rows["others_median_us"].median()))
        beyond.append(gaps[-1] > band.get(rnd, np.inf))
    measured = (f"{int(rounds['first_after_gc'].sum())} first signals after a GC cycle, {len(gaps)} rounds: their "
                f"median minus the other signals' {_span(gaps, sign=True)} per round; beyond the noise band in "
                f"{int(sum(beyond))} of {len(gaps)} rounds; {_band(study)}")
    if majority(beyond):
        return Finding(holds(), measured)
    if majority(g > 0 for g in gaps):
        return Finding(not_reproduced("the first signal after each GC is slower than the others in most rounds, "
                                      "but not by more than this machine's noise band"), measured)
    return Finding(refuted(), measured)


CLAIMS = [
    Claim("ch2.gc-latency-table", "GC频率 平均信号延迟 P95延迟增幅 / 1s 12.3ms +8.7ms / 100ms 41.6ms +33.2ms",
          "With a GC every 1 s the mean signal latency is 12.3 ms (P95 +8.7 ms); with a GC every 100 ms it is "
          "41.6 ms (P95 +33.2 ms)", STUDY, judge_article_table),
    Claim("ch2.stw-delays-handler", "信号抵达内核 → Go runtime 调度器入队 → 是否处于STW? 是 → 等待GC结束 → 执行handler",
          "A signal that arrives during a stop-the-world waits for the GC to end before its handler runs",
          STUDY, judge_stw_waits),
    Claim("ch2.first-signal-after-gc-jumps", "每次GC后首次信号延迟的突增幅度",
          "The first signal after each GC shows a jump in latency (a key dimension to observe)",
          STUDY, judge_first_after_gc),
]

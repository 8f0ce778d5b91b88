"""The GC-latency study's tables as a reader wants them: durations with units, rounds side by side.

Each function takes a gc_latency.Study and returns a display.show() Styler. The data stay
numeric in the Study; only here do they become "52 µs" or "1.3 ms". Every word a reader sees
in these tables is a constant below, in the reader's language: column names through show(),
the words inside cells (which code never compares) through _() as each table is built.
"""

import numpy as np
import pandas as pd

from . import display, gc_latency, latency, latency_stages
from .i18n import N_, _

CASE_LABELS = {
    "c-floor": N_("C floor (sigaction handler)"),
    "c-relay": N_("C relay: a handler, then two futex wake-ups (Go's way, no Go)"),
    "go-idle": N_("Go, idle"),
    "go-gc-churn": N_("Go, allocation churn"),
    "go-spin-gc": N_("Go, spinner + GC every 20 ms"),
    "go-spin-gc-nopreempt": N_("Go, spinner + GC, asyncpreemptoff=1"),
    "go-gc-1s": N_("Go, GC every 1 s (article)"),
    "go-gc-100ms": N_("Go, GC every 100 ms (article)"),
    "go-idle-stamped": N_("Go, idle"),
    "go-spin-gc-nopreempt-stamped": N_("Go, spinner + GC, asyncpreemptoff=1 (stamping runtime)"),
}
H_CASE, H_GO, H_SIGNALS, H_ROUND = N_("case"), N_("Go"), N_("signals"), N_("round")
H_SUMMARY = {"mean_us": N_("mean"), "median_us": N_("median"), "p99_us": N_("p99"), "max_us": N_("max"),
             "pause_overlap": N_("overlapped a stop-the-world"), "cycle_overlap": N_("overlapped a GC cycle"),
             "gc_cycles": N_("GC cycles")}
H_ROUND_CELL = N_("round {round}: median / p99 / max")
H_BAND = {"signals": N_("C floor signals"), "median_us": N_("median"), "p99_us": N_("p99 (band starts)"),
          "max_us": N_("max (band ends)")}
H_ARTICLE = {"every": N_("GC every"), "signals": N_("signals"), "gc_cycles": N_("GC cycles"),
             "article_mean_us": N_("mean: article"), "mean_us": N_("mean: measured, per round"),
             "article_p95_increase_us": N_("P95 increase: article"),
             "p95_increase_us": N_("P95 increase: measured, per round"),
             "first_after_gc_median_us": N_("first signal after each GC: median (signals), per round"),
             "others_median_us": N_("the other signals: median, per round")}
H_STEP_GROUP = N_("runs")
H_THREADS = N_("signals carried by 3 threads")
C_FLOOR_STEP = N_("C floor (its handler is the whole way)")
STW_SPLIT = {True: N_("kill() inside a stop-the-world"), False: N_("other signals")}
CASE_ON = N_("{case}, {go}")
CASE_ON_PART = N_("{case}, {go}: {signals}")
N_OF = N_("{n} of {total}")
NONE = N_("none")
PER_ROUND_SEP = " / "
NBSP = "\u00a0"  # between a number and its unit, so a cell never breaks there
UNANSWERED = N_("≥ {max}, {n} unanswered")


def cases():
    """What runs in each case of the study (gc_latency.CASES)."""
    return _nowrap(display.show(latency.case_table(gc_latency.CASES), wide=("about",)))


def duration(us):
    """A latency in µs as a reader wants it: 68.5 ns, 9.8 µs, 631 µs, 1.23 ms, 12.3 ms, 1.7 s; blank for NaN."""
    if us is None or not np.isfinite(us):
        return ""
    for unit, scale in (("s", 1e6), ("ms", 1e3)):
        if abs(us) >= scale:
            return f"{_digits(us / scale)}{NBSP}{unit}"
    if 0 < abs(us) < 1:  # a difference of two latencies can be below a microsecond
        return f"{_digits(us * 1e3)}{NBSP}ns"
    return f"{_digits(us)}{NBSP}µs"


def _digits(x):
    """Three significant figures: 9.83, 12.3, 631; -0.4."""
    return f"{x:.3g}"


def _max(row):
    """The max of a summary row; "≥ 5 s, 1 unanswered" when a signal was still unanswered (its
    latency is the time waited for it)."""
    if row.get("unanswered", 0):
        return _(UNANSWERED).format(max=duration(row["max_us"]), n=int(row["unanswered"]))
    return duration(row["max_us"])


def case_label(case):
    """A case's name as a reader reads it (a case the tables do not know: its name)."""
    return _(CASE_LABELS[str(case)]) if str(case) in CASE_LABELS else str(case)


def _on(case, go):
    """A case's label with its release ("C floor ..." alone for a C program)."""
    return case_label(case) if go == latency.C_RELEASE else _(CASE_ON).format(case=case_label(case), go=go)


def summary(study):
    """One row per case and release: signals, mean, median, p99, max, GC overlap counts, GC cycles."""
    table = study.summary().reset_index()
    out = pd.DataFrame({H_CASE: table["case"].map(case_label), H_GO: table["go"], H_SIGNALS: table["signals"]})
    for col in ("mean_us", "median_us", "p99_us"):
        out[H_SUMMARY[col]] = table[col].map(duration)
    out[H_SUMMARY["max_us"]] = [_max(r) for _i, r in table.iterrows()]
    for col in ("pause_overlap", "cycle_overlap", "gc_cycles"):
        out[H_SUMMARY[col]] = table[col].map(lambda v: "" if pd.isna(v) else f"{int(v)}")
    c_rows = table["go"] == "C"
    out.loc[c_rows, [H_SUMMARY["pause_overlap"], H_SUMMARY["cycle_overlap"]]] = ""
    return _nowrap(display.show(out), H_GO)


def _nowrap(styler, *columns):
    """Break cells only between words (a duration's number and unit are joined by NBSP), and keep
    short cells such as a Go release on one line. Column-level rules, so they outrank show()'s."""
    rules = {col: [{"selector": "td", "props": "overflow-wrap: normal; word-break: normal;"
                    + (" white-space: nowrap;" if col in columns else "")}] for col in styler.data.columns}
    return styler.set_table_styles(rules, overwrite=False)


def rounds(study):
    """One row per case and release, one column per round: median / p99 / max of that round."""
    table = study.summary(by=("case", "go", "round")).reset_index()
    rows = []
    for (case, go), part in table.groupby(["case", "go"], observed=True, sort=False):
        row = {H_CASE: case_label(case), H_GO: go}
        for _i, r in part.iterrows():
            row[_(H_ROUND_CELL).format(round=int(r["round"]))] = PER_ROUND_SEP.join(
                [duration(r["median_us"]), duration(r["p99_us"]), _max(r)])
        rows.append(row)
    return _nowrap(display.show(pd.DataFrame(rows)), H_GO)


def band(study):
    """The noise band per round: the C floor's median, p99 and max."""
    table = study.band().reset_index()
    out = pd.DataFrame({H_ROUND: table["round"], H_BAND["signals"]: table["signals"]})
    for col in ("median_us", "p99_us", "max_us"):
        out[H_BAND[col]] = table[col].map(duration)
    return _nowrap(display.show(out))


def article(study):
    """The article's set-up with its statistics: per period and release, the article's figure
    beside what each round measured."""
    table = study.article()
    rows = []
    for (case, go), part in table.groupby(["case", "go"], sort=False):
        first = part.iloc[0]
        rows.append({H_ARTICLE["every"]: first["every"], H_GO: go, H_ARTICLE["signals"]: int(part["signals"].sum()),
                     H_ARTICLE["gc_cycles"]: "" if part["gc_cycles"].isna().all() else int(part["gc_cycles"].sum()),
                     H_ARTICLE["article_mean_us"]: duration(first["article_mean_us"]),
                     H_ARTICLE["mean_us"]: _per_round(part["mean_us"]),
                     H_ARTICLE["article_p95_increase_us"]: "+" + duration(first["article_p95_increase_us"]),
                     H_ARTICLE["p95_increase_us"]: _per_round(part["p95_increase_us"], sign=True),
                     H_ARTICLE["first_after_gc_median_us"]: PER_ROUND_SEP.join(
                         f"{duration(m)} ({int(k)})" if k else _(NONE) for m, k in
                         zip(part["first_after_gc_median_us"], part["first_after_gc"])),
                     H_ARTICLE["others_median_us"]: _per_round(part["others_median_us"])})
    return _nowrap(display.show(pd.DataFrame(rows)), H_GO, H_ARTICLE["every"])


def _per_round(values, sign=False):
    return PER_ROUND_SEP.join(("+" if sign and v >= 0 else "") + duration(v) for v in values)


def steps(study):
    """Per stamped run (and the C floor): median and p90 of each step, and the thread count."""
    table = study.steps()
    rows = [{H_STEP_GROUP: _(C_FLOOR_STEP), H_SIGNALS: len(study.floor_steps()),
             next(iter(latency_stages.STEPS)): _median_p90(study.floor_steps()["latency_us"])}]
    order = {case: i for i, case in enumerate(gc_latency.STAMPED)}
    for (case, go), part in sorted(table.groupby(["case", "go"], sort=False), key=lambda g: order[g[0][0]]):
        split = case == gc_latency.STW_HELD
        groups = part.groupby(part["sent_in_gc_pause"].map(lambda v: v is True or v is np.True_)) if split \
            else [(None, part)]
        for in_stw, rows_ in sorted(groups, key=lambda g: not g[0]):
            label = _(CASE_ON_PART).format(case=case_label(case), go=go, signals=_(STW_SPLIT[bool(in_stw)])) if split \
                else _on(case, go)
            row = {H_STEP_GROUP: label, H_SIGNALS: len(rows_)}
            for step in latency_stages.STEPS:
                row[step] = _median_p90(rows_[step])
            row[H_THREADS] = _(N_OF).format(n=int((rows_["threads"] == 3).sum()), total=len(rows_))
            rows.append(row)
    return _nowrap(display.show(pd.DataFrame(rows), wide=(H_STEP_GROUP,)))


def _median_p90(values):
    values = pd.Series(values).dropna()
    if values.empty:
        return ""
    return f"{duration(values.median())} (p90 {duration(values.quantile(0.9))})"



H_RELEASES = {"stat": N_("statistic"), "rounds": N_("the rounds side by side")}
H_PER_ROUND = N_("{go}, per round")
ONE_RELEASE = N_("only {go} ran: nothing to compare (`make setup` fetches the second release the course runs on)")
NO_RELEASE = N_("no Go release")
SEPARATE = 1.25  # a release counts as above the other only by this factor at the closest rounds
OVERLAP = N_("no clear difference: the rounds overlap, or lie within ×{factor} of each other")
APART = N_("{hi} above in every round, ×{ratio:.2f} at the closest")
STATS = {"median_us": N_("median"), "p99_us": N_("p99")}


def release_differences(study):
    """Per case and statistic (median, p99): each release's values per round (µs), and, when every
    round of one release lies above every round of the other, which one and the ratio of the two
    closest values (else higher is "" and ratio 1)."""
    table = study.summary(by=("case", "go", "round")).reset_index()
    table = table[table["go"] != "C"]
    rows = []
    for case, part in table.groupby("case", observed=True, sort=False):
        per = {go: rows_ for go, rows_ in part.groupby("go", sort=False)}
        if len(per) < 2:
            continue
        (a, ra), (b, rb) = list(per.items())[:2]
        for stat in STATS:
            va, vb = list(ra[stat]), list(rb[stat])
            higher, ratio = "", 1.0
            if min(vb) > max(va):
                higher, ratio = b, min(vb) / max(va)
            elif min(va) > max(vb):
                higher, ratio = a, min(va) / max(vb)
            rows.append({"case": case, "stat": stat, "values": {a: va, b: vb}, "higher": higher, "ratio": ratio})
    return rows


def releases(study):
    """Per case and statistic (median, p99): each release's value per round, side by side, and
    whether the rounds of one release all lie above the other's."""
    rows = []
    for r in release_differences(study):
        row = {H_CASE: case_label(r["case"]), H_RELEASES["stat"]: _(STATS[r["stat"]])}
        for go, values in r["values"].items():
            row[_(H_PER_ROUND).format(go=go)] = PER_ROUND_SEP.join(duration(v) for v in values)
        apart = r["higher"] and r["ratio"] >= SEPARATE
        row[H_RELEASES["rounds"]] = _(APART).format(hi=r["higher"], ratio=r["ratio"]) if apart else \
            _(OVERLAP).format(factor=f"{SEPARATE:g}")
        rows.append(row)
    if not rows:
        rows = [{H_RELEASES["rounds"]: _(ONE_RELEASE).format(go=", ".join(study.releases) or _(NO_RELEASE))}]
    return _nowrap(display.show(pd.DataFrame(rows)), H_RELEASES["stat"])


H_PLACED = N_("kill → handler, {place}: median (p90)")


def placement(table):
    """gc_latency.placement() readable: one row per program, one column per placement."""
    rows = []
    for (case, go), part in table.groupby(["case", "go"], sort=False):
        row = {H_CASE: _on(case, go), H_SIGNALS: int(part["signals"].sum())}
        for _i, r in part.iterrows():
            row[_(H_PLACED).format(place=_(r["placed on"]))] = f"{duration(r['median_us'])} ({duration(r['p90_us'])})"
        rows.append(row)
    return _nowrap(display.show(pd.DataFrame(rows)))

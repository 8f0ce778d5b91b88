"""Figures for the course's latency measurements, drawn from the DataFrames sigcamp returns.

Each function takes latency.measure()'s rows (or a gc_latency.Study) and draws a matplotlib
Figure; `figures.figure` shows it in a notebook as soon as it is drawn and returns it as
`.value`. Latency axes are logarithmic and labelled in µs, ms and s; where the C floor ran,
its p99-to-max range is shaded as the machine's noise band.
"""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from .figures import figure
from .gc_latency_tables import CASE_LABELS

FLOOR = "c-floor"
GC_STYLE = {  # gc_states() value -> (label, colour)
    "pause": ("its way overlapped a GC stop-the-world", "tab:red"),
    "cycle": ("during a GC cycle, no stop-the-world", "tab:orange"),
    "none": ("no GC", "tab:blue"),
    "unknown": ("unknown (GC record lost)", "tab:gray"),
}
BAND_STYLE = {"color": "0.85", "zorder": 0}
BAND_LABEL = "noise band: the C floor's p99 to max, all rounds"
MEDIAN_STYLE = {"color": "black", "lw": 1.2}
P99_STYLE = {"color": "tab:red", "lw": 1.2, "ls": "--"}
RELEASE_COLOURS = ("tab:blue", "tab:purple", "tab:green")
UNANSWERED_LABEL = "unanswered when the run gave up (plotted at the time waited)"
LATENCY_AXIS = "signal latency: kill() to the program's receive stamp (log scale)"


def _signals(data):
    """The rows to draw: a DataFrame as given, or a gc_latency.Study's figure_signals()."""
    return data.figure_signals() if hasattr(data, "figure_signals") else data


def _cases(df, *, skip=()):
    """The cases present in df, in their categorical order when there is one."""
    col = df["case"]
    order = col.cat.categories if isinstance(col.dtype, pd.CategoricalDtype) else col.unique()
    present = set(col.unique())
    return [c for c in order if c in present and c not in skip]


def _label(case):
    return CASE_LABELS.get(str(case), str(case))


def _releases(df):
    return [g for g in pd.unique(df["go"]) if g != "C"] if "go" in df else []


def duration_label(us, _pos=None):
    """Tick label for a µs axis: 10 µs, 100 µs, 1 ms, 10 ms, 1 s."""
    for unit, scale in (("s", 1e6), ("ms", 1e3)):
        if us >= scale:
            return f"{us / scale:g} {unit}"
    return f"{us:g} µs"


def _log_axis(axis):
    axis.set_major_locator(LogLocator(base=10, numticks=12))
    axis.set_minor_locator(LogLocator(base=10, subs=(2.0, 5.0)))
    axis.set_major_formatter(FuncFormatter(duration_label))
    axis.set_minor_formatter(NullFormatter())


def noise_band(df):
    """(p99, max) of the C floor's latencies in df (µs), or None without a C floor."""
    floor = df.loc[df["case"] == FLOOR, "latency_us"]
    return (float(floor.quantile(0.99)), float(floor.max())) if len(floor) else None


def gc_states(df):
    """Per row: "pause" (a stop-the-world overlapped), "cycle" (a GC cycle did, no pause),
    "none", or "unknown" (the GC record has a gap there)."""
    cycles = df["overlapped_gc_cycle"] if "overlapped_gc_cycle" in df else pd.Series(False, index=df.index)

    def state(pause, cycle):
        pause, cycle = _flag(pause), _flag(cycle)
        if pause is None:
            return "unknown"
        return "pause" if pause else "cycle" if cycle else "none"

    return pd.Series([state(p, c) for p, c in zip(df["overlapped_gc_pause"], cycles)], index=df.index)


def _flag(value):
    """True, False or None, whatever null the column holds."""
    return None if value is None or pd.isna(value) else bool(value)


@figure
def latency_histograms(data, *, go=None, bins=60):
    """One histogram of latency per case, on a shared log axis: bars for release `go` (default:
    the first), an outline for each other release; its median and p99 marked; the noise band shaded."""
    df = _signals(data)
    releases = _releases(df)
    go = go or (releases[0] if releases else None)
    cases = _cases(df)
    band = noise_band(df)
    lat = df["latency_us"].clip(lower=0.1)
    edges = np.geomspace(lat.min(), lat.max() * 1.01, bins)
    fig, axes = plt.subplots(len(cases), 1, sharex=True, squeeze=False, figsize=(9, 1.6 + 1.2 * len(cases)),
                             layout="constrained")
    for ax, case in zip(axes[:, 0], cases):
        rows = df["case"] == case
        if band:
            ax.axvspan(*band, **BAND_STYLE)
        mine = lat[rows & (df["go"].isin([go, "C"]) if "go" in df else rows)]
        ax.hist(mine, bins=edges, color=RELEASE_COLOURS[0], alpha=0.85)
        for colour, other in zip(RELEASE_COLOURS[1:], [r for r in releases if r != go]):
            ax.hist(lat[rows & (df["go"] == other)], bins=edges, histtype="step", color=colour, lw=1.2)
        if len(mine):
            ax.axvline(mine.median(), **MEDIAN_STYLE)
            ax.axvline(mine.quantile(0.99), **P99_STYLE)
        ax.text(0.005, 0.93, f"{_label(case)}: {len(mine)} signals", transform=ax.transAxes, va="top",
                fontsize="small", bbox={"facecolor": "white", "alpha": 0.8, "lw": 0, "pad": 1})
        ax.tick_params(axis="y", labelsize="x-small")
    axes[-1, 0].set_xscale("log")
    _log_axis(axes[-1, 0].xaxis)
    axes[-1, 0].set_xlabel(LATENCY_AXIS)
    handles = [plt.Rectangle((0, 0), 1, 1, color=RELEASE_COLOURS[0], alpha=0.85, label=go or "signals")]
    handles += [plt.Line2D([], [], color=c, label=f"{r} (outline)")
                for c, r in zip(RELEASE_COLOURS[1:], [r for r in releases if r != go])]
    handles += [plt.Line2D([], [], label=f"median ({go})", **MEDIAN_STYLE),
                plt.Line2D([], [], label=f"p99 ({go})", **P99_STYLE)]
    if band:
        handles.append(plt.Rectangle((0, 0), 1, 1, label=BAND_LABEL, **BAND_STYLE))
    fig.legend(handles=handles, loc="outside lower center", ncol=3, fontsize="small", frameon=False)
    fig.supylabel("signals per bin", fontsize="medium")
    fig.suptitle("Signal latency per case, all rounds", fontsize="medium")
    return fig


@figure
def latency_scatter(data, *, go=None):
    """Latency (log axis) of every signal of release `go` (default: the first), one panel per Go
    case, rounds side by side in time, coloured by what GC was doing on each signal's way;
    the panel's median and p99 as lines, the noise band shaded."""
    df = _signals(data)
    releases = _releases(df)
    go = go or (releases[0] if releases else None)
    cases = _cases(df, skip=(FLOOR,))
    band = noise_band(df)
    fig, axes = plt.subplots(len(cases), 1, squeeze=False, sharey=True, figsize=(9, 1.8 + 1.5 * len(cases)),
                             layout="constrained")
    for ax, case in zip(axes[:, 0], cases):
        part = df[(df["case"] == case) & ((df["go"] == go) if go else True)]
        if band:
            ax.axhspan(*band, **BAND_STYLE)
        xs, starts = _timeline(part)
        states = gc_states(part)
        for state, (label, colour) in GC_STYLE.items():
            mask = (states == state).to_numpy()
            ax.scatter(xs[mask], part["latency_us"].to_numpy()[mask], s=5, color=colour, label=label,
                       alpha=0.8 if state == "pause" else 0.45, zorder=3 if state == "pause" else 2, linewidths=0)
        stalled = ~part["answered"].astype(bool).to_numpy() if "answered" in part else np.zeros(len(part), bool)
        if stalled.any():
            ax.scatter(xs[stalled], part["latency_us"].to_numpy()[stalled], marker="^", s=30, color="black", zorder=4)
        ax.axhline(part["latency_us"].median(), **MEDIAN_STYLE)
        ax.axhline(part["latency_us"].quantile(0.99), **P99_STYLE)
        for rnd, x0 in starts:
            ax.axvline(x0, color="0.6", lw=0.6, ls=":")
            ax.text(x0, 1.0, f" round {rnd}", transform=ax.get_xaxis_transform(), fontsize="x-small",
                    va="top", color="0.4")
        ax.set_title(f"{_label(case)}, {go}" if go else _label(case), fontsize="small", loc="left")
        ax.set_yscale("log")
        _log_axis(ax.yaxis)
    axes[-1, 0].set_xlabel("time since the run started (s; the rounds' runs one after another)")
    fig.supylabel("signal latency (log scale)", fontsize="medium")
    handles = [plt.Line2D([], [], ls="", marker="o", color=colour, label=label) for label, colour in GC_STYLE.values()]
    handles += [plt.Line2D([], [], label="median", **MEDIAN_STYLE), plt.Line2D([], [], label="p99", **P99_STYLE)]
    if band:
        handles.append(plt.Rectangle((0, 0), 1, 1, label=BAND_LABEL, **BAND_STYLE))
    if "answered" in df and not df["answered"].astype(bool).all():
        handles.append(plt.Line2D([], [], ls="", marker="^", color="black", label=UNANSWERED_LABEL))
    fig.legend(handles=handles, loc="outside lower center", ncol=3, fontsize="small", frameon=False)
    fig.suptitle(f"Every signal{f' on {go}' if go else ''}, in the order sent", fontsize="medium")
    return fig


def _timeline(part):
    """x (s) of each signal with each round's run placed after the previous one, and [(round, start x)]."""
    xs = np.zeros(len(part))
    starts, offset = [], 0.0
    rounds = part["round"] if "round" in part else pd.Series(1, index=part.index)
    for rnd in sorted(pd.unique(rounds)):
        mask = (rounds == rnd).to_numpy()
        t = (part["sent_ns"].to_numpy()[mask] - part["sent_ns"].to_numpy()[mask].min()) / 1e9
        xs[mask] = offset + t
        starts.append((int(rnd), offset))
        offset += t.max() * 1.03 + 1e-3
    return xs, starts

"""Figures for the course's measurements, drawn from the DataFrames sigcamp returns.

Each function takes a DataFrame and draws a matplotlib Figure; `figures.figure`
shows it in a notebook as soon as it is drawn and returns it as `.value`.
"""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .figures import figure

GC_STYLE = {  # gc_states() value -> (label, colour)
    "pause": ("a GC stop-the-world overlapped", "tab:red"),
    "cycle": ("during a GC cycle, no pause", "tab:orange"),
    "none": ("no GC", "tab:blue"),
    "unknown": ("unknown (GC record lost)", "tab:gray"),
}


def _cases(df):
    """The cases present in df, in their categorical order when there is one."""
    col = df["case"]
    order = col.cat.categories if isinstance(col.dtype, pd.CategoricalDtype) else col.unique()
    present = set(col.unique())
    return [c for c in order if c in present]


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
def latency_histograms(df, *, bins=60):
    """One histogram of latency per case, stacked, on a shared log x axis (µs)."""
    cases = _cases(df)
    lat = df["latency_us"].clip(lower=0.1)
    edges = np.geomspace(lat.min(), lat.max() * 1.01, bins)
    fig, axes = plt.subplots(len(cases), 1, sharex=True, squeeze=False,
                             figsize=(8, 1.5 + 1.3 * len(cases)))
    for ax, case in zip(axes[:, 0], cases):
        values = lat[df["case"] == case]
        ax.hist(values, bins=edges, color="tab:blue")
        _mark_quantiles(ax, values)
        ax.set_ylabel(case, rotation=0, ha="right", va="center")
    axes[-1, 0].set_xscale("log")
    axes[-1, 0].set_xlabel("signal latency (µs, log scale): kill() to the program's receive stamp")
    axes[0, 0].legend(loc="upper right", fontsize="small")
    fig.suptitle("Signal latency per case")
    fig.tight_layout()
    return fig


def _mark_quantiles(ax, values):
    ax.axvline(values.median(), color="black", lw=1, label="median")
    ax.axvline(values.quantile(0.99), color="tab:red", lw=1, ls="--", label="p99")


@figure
def latency_scatter(df, *, x="seq"):
    """Latency (log y) against `x` ("seq" or "time"), one panel per case, coloured by
    what GC was doing during each signal's way (see gc_states)."""
    if x not in ("seq", "time"):
        raise ValueError(f"x={x!r}: use 'seq' or 'time'")
    cases = _cases(df)
    fig, axes = plt.subplots(len(cases), 1, squeeze=False, sharey=True,
                             figsize=(8, 1.5 + 1.5 * len(cases)))
    for ax, case in zip(axes[:, 0], cases):
        _scatter_case(ax, df[df["case"] == case], x)
        ax.set_title(case, fontsize="medium", loc="left")
        ax.set_yscale("log")
        ax.set_ylabel("latency (µs)")
    axes[-1, 0].set_xlabel("signal number" if x == "seq" else "time since the case's first signal (s)")
    _legend(fig)
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    return fig


def _scatter_case(ax, part, x):
    xs = part["seq"] if x == "seq" else (part["sent_ns"] - part["sent_ns"].min()) / 1e9
    states = gc_states(part)
    for state, (label, colour) in GC_STYLE.items():
        mask = states == state
        ax.scatter(xs[mask], part["latency_us"][mask], s=6, color=colour, label=label,
                   alpha=0.8 if state == "pause" else 0.5, zorder=3 if state == "pause" else 2)


def _legend(fig):
    handles = [plt.Line2D([], [], ls="", marker="o", color=colour, label=label)
               for label, colour in GC_STYLE.values()]
    fig.legend(handles=handles, loc="upper center", ncol=4, fontsize="small", frameon=False)

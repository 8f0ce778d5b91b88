"""Chapter 1's figures: Ctrl+C latency distributions, the GOMAXPROCS=1 wait, the GC stall."""

import matplotlib.pyplot as plt
import numpy as np

from ..figures import figure
from . import scenarios

_RNG_SEED = 7


def _jitter(n, rng, spread=0.12):
    return rng.uniform(-spread, spread, n)


@figure
def plot_latencies(df):
    """One row per scenario (or sample): every run as a dot on a log axis, the p10-p90 span as a bar,
    the median as a tick, and the percentiles written beside it. Returns the Figure."""
    key = "scenario" if "scenario" in df.columns else "sample"
    df = df[df["latency_ms"].notna()]
    order = list(dict.fromkeys(df[key]))
    rng = np.random.default_rng(_RNG_SEED)
    fig, ax = plt.subplots(figsize=(10, 0.55 * len(order) + 1.4))
    for y, name in enumerate(order):
        v = df.loc[df[key] == name, "latency_ms"].to_numpy(dtype=float)
        p10, p50, p90 = np.percentile(v, [10, 50, 90])
        ax.hlines(y, p10, p90, color="tab:blue", alpha=0.35, linewidth=7)
        ax.scatter(v, y + _jitter(len(v), rng), s=12, color="tab:blue", alpha=0.7, zorder=3)
        ax.vlines(p50, y - 0.3, y + 0.3, color="black", linewidth=2, zorder=4)
        ax.annotate(f"median {_ms(p50)}, p90 {_ms(p90)}, max {_ms(v.max())} (n={len(v)})", (v.max(), y),
                    xytext=(8, -3), textcoords="offset points", fontsize=8)
    ax.set_yticks(range(len(order)), order)
    ax.invert_yaxis()
    ax.set_xscale("log")
    lo, hi = df["latency_ms"].min(), df["latency_ms"].max()
    ax.set_xlim(lo / 2, hi * 12)
    ax.set_xlabel("ms from Ctrl+C (log scale): to the Go code's receive, or to the process being gone")
    ax.set_title("How long Ctrl+C takes to act (dots: runs; bar: p10-p90; tick: median)")
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return fig


def _ms(x):
    """A latency as a reader wants it: 0.31 ms, 4.2 ms, 183 ms."""
    return f"{x:.2g} ms" if x < 10 else f"{x:.0f} ms"


@figure
def plot_preemption_wait(runs, title=scenarios.ONE_P, reference=scenarios.EXIT):
    """The GOMAXPROCS=1 spinner's receive waits as a cumulative distribution, beside an even spread
    from 0 to 20 ms (a 10 ms slice noticed on sysmon's own 10 ms period) and, when the runs hold it,
    the `reference` scenario's (a free CPU: the machine's own noise). Returns the Figure."""
    v = np.sort(scenarios.runs_of(runs, title)["latency_ms"].dropna().to_numpy(dtype=float))
    fig, ax = plt.subplots(figsize=(8, 4.4))
    if (runs["scenario"] == reference).any():
        r = np.sort(scenarios.runs_of(runs, reference)["latency_ms"].dropna().to_numpy(dtype=float))
        ax.step(r, np.arange(1, len(r) + 1) / len(r), where="post", color="silver",
                label=f"{reference} ({len(r)} runs): a free CPU, the machine's noise")
    ax.step(v, np.arange(1, len(v) + 1) / len(v), where="post", color="tab:blue",
            label=f"{title} ({len(v)} runs, Ctrl+C at a random moment)")
    ax.plot([0, 20], [0, 1], color="gray", linestyle="--", label="an even spread over 0-20 ms")
    for q in (0.1, 0.5, 0.9):
        x = np.percentile(v, q * 100)
        ax.annotate(f"p{int(q * 100)} {_ms(x)}", (x, q), xytext=(6, -10), textcoords="offset points", fontsize=8)
    ax.set_xlim(0, max(25, min(v.max() * 1.05, 60)))
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("ms from Ctrl+C to the receive (spinner on the only P)")
    ax.set_ylabel("fraction of runs")
    ax.set_title("GOMAXPROCS=1: the receive waits until sysmon preempts the spinner")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=1, fontsize=8, frameon=False)
    fig.tight_layout()
    return fig


@figure
def plot_stall(stall):
    """gc-spin-stall and its controls: each run's receive latency on a log axis, coloured by whether
    the receive had to wait for the end of a spinner chunk. Returns the Figure."""
    order = list(dict.fromkeys(stall["variant"]))
    rng = np.random.default_rng(_RNG_SEED)
    fig, ax = plt.subplots(figsize=(9, 0.6 * len(order) + 1.5))
    for waited, colour, label in ((True, "tab:red", "waited for a spinner chunk to end"),
                                  (False, "tab:green", "did not wait for one")):
        sub = stall[stall["waited"] == waited]
        ys = [order.index(v) for v in sub["variant"]]
        ax.scatter(sub["latency_ms"], np.array(ys) + _jitter(len(sub), rng), s=14, alpha=0.75, color=colour,
                   label=f"{label} ({len(sub)} runs)")
    ax.set_yticks(range(len(order)), order)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("ms from Ctrl+C to the receive (log scale)")
    ax.set_title("A GC waiting for a call-free spinner holds the Ctrl+C receiver back")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=2, fontsize=8, frameon=False)
    fig.tight_layout()
    return fig

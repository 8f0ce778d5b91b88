"""Chapter 1: what really happens when you press Ctrl+C at a Go program.

Each scenario is a real sample run on a real PTY and a real Ctrl+C (the tty's
INTR character). Results come back as DataFrames and figures for the notebook.
"""

import shutil
from dataclasses import dataclass, field

import matplotlib.pyplot as plt
import pandas as pd

from . import conformance, procfs, session
from .figures import figure


@dataclass(frozen=True)
class Scenario:
    title: str
    sample: str
    env: dict = field(default_factory=dict)
    launch: str | None = None
    wait: float | None = None  # seconds to wait after Ctrl+C (default: the sample's Wait:)

    @property
    def setting(self):
        parts = [f"{k}={v}" for k, v in self.env.items()]
        if self.launch:
            parts.append({"setsid": "setsid ./prog", "background": "sh -c './prog &'",
                          "nohup": "nohup ./prog"}[self.launch])
        return " ".join(parts)


SCENARIOS = (
    Scenario("no Notify, spinning in for {}", "spin-no-notify"),
    Scenario("the article's example: no Notify, time.Sleep loop", "article-sleep-loop"),
    Scenario("signal.Notify, then exit 130", "notify-exit"),
    Scenario("signal.NotifyContext", "notify-context"),
    Scenario("signal.Ignore(os.Interrupt)", "signal-ignore"),
    Scenario("Notify, but nobody reads the channel", "notify-unread"),
    Scenario("Notify, GOMAXPROCS=1, main goroutine spins", "notify-spin"),
    Scenario("Notify, GOMAXPROCS=1, spins, no async preemption", "notify-spin",
             env={"GODEBUG": "asyncpreemptoff=1"}, wait=2.0),
    Scenario("Notify, spinner + runtime.GC(), no async preemption", "gc-spin-stall"),
    Scenario("no Notify, started as a script's background job", "spin-no-notify", launch="background", wait=1.0),
    Scenario("no Notify, started under nohup", "spin-no-notify", launch="nohup"),
    Scenario("Notify, started under setsid", "notify-exit", launch="setsid", wait=1.0),
    Scenario("Notify; first ^C starts shutdown, second forces exit", "notify-twice"),
)

TIMED = ("spin-no-notify", "notify-exit", "notify-context", "notify-spin", "gc-spin-stall")


def run_scenario(sc):
    """One real run of a scenario; returns its Outcome."""
    return conformance.run_as_declared(sc.sample, env=sc.env or None, launch=sc.launch, wait=sc.wait)


def _row(sc, outcome):
    handler = outcome.handler_latency_ms
    return {
        "scenario": sc.title, "sample": sc.sample, "setting": sc.setting, "ended": outcome.how,
        "shell shows": "(still running)" if outcome.shell_status is None else str(outcome.shell_status),
        "latency_ms": handler if handler is not None else outcome.exit_latency_ms,
        "latency of": "Ctrl+C → Go code receives" if handler is not None else
                      ("Ctrl+C → process gone" if not outcome.alive else ""),
    }


def scenario_table(scenarios=SCENARIOS):
    """Run every scenario once; one row each: how it ended, the shell's status, the latency."""
    return pd.DataFrame([_row(sc, run_scenario(sc)) for sc in scenarios])


def latencies(samples=TIMED, repeat=5):
    """Run each timed sample `repeat` times; rows: sample, run, latency_ms, kind."""
    rows = []
    for name in samples:
        sc = next(s for s in SCENARIOS if s.sample == name and not s.env and not s.launch)
        for i in range(repeat):
            row = _row(sc, run_scenario(sc))
            rows.append({"sample": name, "run": i, "latency_ms": row["latency_ms"], "kind": row["latency of"]})
    return pd.DataFrame(rows)


@figure
def plot_latencies(df):
    """Dot plot of Ctrl+C latencies per sample, log scale; returns the Figure."""
    fig, ax = plt.subplots(figsize=(8, 3.2))
    order = list(dict.fromkeys(df["sample"]))
    for y, name in enumerate(order):
        sub = df[df["sample"] == name]
        ax.scatter(sub["latency_ms"], [y] * len(sub), alpha=0.7)
        ax.annotate(f"median {sub['latency_ms'].median():.2f} ms", (sub["latency_ms"].max(), y),
                    xytext=(8, -3), textcoords="offset points", fontsize=8)
    ax.set_yticks(range(len(order)), order)
    ax.set_xscale("log")
    ax.set_xlabel("ms from Ctrl+C (log scale)")
    ax.set_title("How long Ctrl+C takes to act")
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return fig


def terminal_settings():
    """`stty -a` run on a fresh PTY like the ones the samples get; returns its output."""
    with session.start(shutil.which("stty"), args=("-a",), ready=None) as r:
        return r.wait(5).output.strip()


def process_groups(sample="spin-no-notify", launches=(None, "setsid", "background")):
    """For each launch: the program's pid, process group, session and its tty's foreground group.

    Ctrl+C reaches a process only when its group is the tty's foreground group
    (pgrp == tpgid); SIGINT in `ignored` means it was inherited as SIG_IGN.
    """
    rows = []
    for launch in launches:
        with session.start(sample, launch=launch) as r:
            ids = procfs.process_ids(r.pid)
            main = procfs.thread_status(r.pid, r.pid)
            rows.append({"launch": launch or "direct", **{k: ids[k] for k in ("pid", "pgrp", "session", "tpgid")},
                         "in the foreground group": ids["pgrp"] == ids["tpgid"],
                         "SIGINT ignored": "SIGINT" in main["ignored"],
                         "SIGINT caught": "SIGINT" in main["caught"]})
    return pd.DataFrame(rows)


def claims(table):
    """The article's chapter 1 claims beside what `table` (from scenario_table) measured."""
    def r(title):
        row = table[table.scenario == title].iloc[0]
        lat = "" if pd.isna(row["latency_ms"]) else f" after {row['latency_ms']:.1f} ms"
        return f"{row['sample']} ({row['setting'] or 'default'}): {row['ended']}{lat}"

    rows = [
        ("Go programs cannot respond to Ctrl+C by default (默认情况下无法响应Ctrl+C)",
         r("no Notify, spinning in for {}"), "false"),
        ("Without signal.Notify, SIGINT does not end the process: the runtime queues it for the scheduler",
         r("the article's example: no Notify, time.Sleep loop"), "false"),
        ("A pure computation loop holds SIGINT back until a scheduling point, possibly for seconds",
         r("no Notify, spinning in for {}") + "; the delay exists only with Notify and no free P: "
         + r("Notify, GOMAXPROCS=1, main goroutine spins"), "false as stated"),
        ("signal.Ignore(os.Interrupt) throws the signal away", r("signal.Ignore(os.Interrupt)"), "true"),
        ("signal.Notify(c, os.Interrupt); <-c is simple and reliable", r("signal.Notify, then exit 130"),
         "true while someone reads c: " + r("Notify, but nobody reads the channel")),
    ]
    return pd.DataFrame(rows, columns=["the article claims", "what we measured", "verdict"])


def explorer(scenarios=SCENARIOS):
    """An ipywidgets panel: pick a scenario, press the button, see a fresh real run."""
    import ipywidgets as w
    from IPython.display import display

    pick = w.Dropdown(options=[(sc.title, i) for i, sc in enumerate(scenarios)], description="scenario",
                      layout=w.Layout(width="60%"))
    button = w.Button(description="run and press Ctrl+C", button_style="primary")
    out = w.Output()

    def on_click(_):
        sc = scenarios[pick.value]
        with out:
            out.clear_output()
            print(f"running {sc.sample} {sc.setting} ...")
            outcome = run_scenario(sc)
            out.clear_output()
            display(pd.DataFrame([_row(sc, outcome)]))
            print(outcome.output)

    button.on_click(on_click)
    return w.VBox([w.HBox([pick, button]), out])


def preemption_signals(sample="notify-spin"):
    """Signals the kernel delivered to a sample (strace) around one Ctrl+C: the SIGURGs are sysmon's preemption."""
    from . import trace

    events = trace.trace(sample, send="ctrl-c")
    delivered = events[events["call"] == "delivered"]
    return delivered.groupby("signal").size().rename("deliveries").reset_index()

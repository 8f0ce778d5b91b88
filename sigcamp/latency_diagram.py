"""The way of one SIGUSR1 through a program's threads, drawn from the stamped runs.

`signal_threads()` takes a gc_latency.Study and draws two chains side by side: the idle Go
program on one release (the thread that runs runtime.sighandler, the thread of the
os/signal.loop goroutine, the thread of your goroutine) and the C relay that takes the same way
without Go (a handler, two futex wake-ups). Each arrow carries the median (and p90) of that step
over every stamped signal, each node a thread id of the first signal.
"""

from . import diagrams, gc_latency
from .figures import figure
from .gc_latency_tables import duration

SENDER = ("the sender (Python)", "os.kill(pid, SIGUSR1)")
CHAINS = {  # case -> (cluster title, node lines for handler, relay, answer)
    gc_latency.STAMPED_IDLE: ("Go, idle, {go}", (
        ("thread {tid}: the kernel's choice", "runtime.sighandler → runtime.sigsend", "sets the bit, wakes the loop"),
        ("thread {tid}: the os/signal.loop goroutine", "runtime.signal_recv returns", "os/signal.process sends on c"),
        ("thread {tid}: your goroutine", "<-c returns: STAMP received"))),
    gc_latency.RELAY: ("C relay: the same way, without Go", (
        ("thread {tid}: the only one with SIGUSR1 unblocked", "its handler stamps, FUTEX_WAKE"),
        ("thread {tid}: the relay", "FUTEX_WAIT returns, FUTEX_WAKE"),
        ("thread {tid}: the answer", "FUTEX_WAIT returns: STAMP received"))),
}
STEPS = (("kill → runtime handler", "kernel delivery"),
         ("wake-up 1: signal_recv runs again", "wake-up 1"),
         ("wake-up 2: your goroutine receives", "wake-up 2"))
WORK_STEP = "handler's own work (sigsend)"
TIDS = ("handler_tid", "loop_tid", "receiver_tid")


@figure
def signal_threads(study, *, go=None):
    """Two chains of threads (Go idle on release `go`, default the first; the C relay), each step
    labelled with its median and p90 over all stamped signals of that run."""
    steps = study.steps()
    go = go or (study.releases[0] if study.releases else None)
    runs = {case: steps[(steps["case"] == case) & steps["go"].isin([go, "C"])] for case in CHAINS}
    runs = {case: rows for case, rows in runs.items() if len(rows)}
    if gc_latency.STAMPED_IDLE not in runs:
        raise ValueError(f"no stamped runs of the idle program on {go}: run gc_latency.study() first")
    counts = "; ".join(f"{CHAINS[case][0].format(go=go).split(':')[0]}: {int((rows['threads'] == 3).sum())} of "
                       f"{len(rows)} signals on three threads" for case, rows in runs.items())
    g = diagrams.graph(f"One SIGUSR1, thread by thread: median (p90) of each step\n{counts}", direction="TB")
    g.node("sender", diagrams.label(*SENDER))
    for case, rows in runs.items():
        title, nodes = CHAINS[case]
        first = study.signals.loc[rows.index[0]]
        with g.subgraph(name=f"cluster_{case}") as sub:
            sub.attr(label=title.format(go=go), style="rounded", color="#9aaccc")
            for i, lines in enumerate(nodes):
                text = [line.format(tid=first[TIDS[i]]) for line in lines]
                if i == 0:
                    text.append(f"its own work: {_stat(rows[WORK_STEP])}")
                sub.node(f"{case}-{i}", diagrams.label(*text))
        previous = "sender"
        for i, (step, what) in enumerate(STEPS):
            g.edge(previous, f"{case}-{i}", label=f"{what}\n{_stat(rows[step])}")
            previous = f"{case}-{i}"
    return g


def _stat(values):
    return f"{duration(values.median())} ({duration(values.quantile(0.9))})"

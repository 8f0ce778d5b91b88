"""A mask set by a C constructor, before the Go runtime starts, and what the runtime does with it.

The runtime gives the mask it finds to every thread and unblocks only what
blockableSig says it cannot do without; signal.Notify unblocks one more
signal on one thread (the one ensureSigM locked).
"""

import re
import time

import pandas as pd

from .. import i18n, masks, procfs, session, trace
from ..i18n import N_, _
from .common import CONSTRUCTOR, CONSTRUCTOR_NOTIFY, ints, notify_got
from .runtime_source import runtime_unblocks


def _unblocked(blocked):
    everything = {procfs.name(n) for n in range(1, procfs.NSIG + 1)}
    return frozenset(everything - blocked)


def _blocking(df, sig):
    return int(df["blocked"].apply(lambda b: sig in b).sum())


def constructor_masks(sample=CONSTRUCTOR):
    """A program whose C constructor blocked every signal: its thread masks, a kill -USR1, a Ctrl+C.

    One row per step. attrs: "threads" (the settled per-thread masks after
    start), "masks" (the same after kill -USR1, SIGUSR1 pending process-wide),
    "unblocked" (signals no thread blocks), "predicted" (runtime_unblocks()),
    "constructor_blocked", "outcome", "pid".
    """
    predicted = runtime_unblocks()
    expected = frozenset(predicted.loc[predicted["unblocked by the runtime"], "signal"]) | {"SIGKILL", "SIGSTOP"}
    rows, seen = [], {}
    with session.start(sample) as prog:
        constructor = int(re.search(r"constructor blocked (\d+) signals", prog.output).group(1))

        def observe(step, program):
            df = masks.settled_masks(prog.pid)
            unblocked = df["blocked"].apply(_unblocked)
            rows.append({N_("step"): step, N_("threads"): len(df),
                         N_("threads blocking SIGUSR1"): _blocking(df, "SIGUSR1"),
                         N_("threads blocking SIGINT"): _blocking(df, "SIGINT"),
                         N_("unblocked = blockableSig's list"): bool((unblocked == expected).all()),
                         N_("SIGUSR1 pending (ShdPnd)"): "SIGUSR1" in df["shared_pending"].iloc[0],
                         N_("program"): program})
            seen[step] = df
            return df

        threads = observe(N_("after start"), N_("running"))
        prog.send("SIGUSR1")
        time.sleep(0.2)
        observe("kill -USR1", N_("running") if prog.alive() else N_("ended"))
        prog.ctrl_c()
        outcome = prog.wait(5)
    rows.append({"step": "Ctrl+C", "program": outcome.how})
    out = ints(pd.DataFrame(rows), "threads", "threads blocking SIGUSR1", "threads blocking SIGINT")
    out.attrs.update(threads=threads, masks=seen["kill -USR1"], pid=prog.pid,
                     unblocked=sorted(_unblocked(threads["blocked"].iloc[0]), key=procfs.number),
                     predicted=predicted, constructor_blocked=constructor, outcome=outcome)
    return out


def constructor_then_notify(sample=CONSTRUCTOR_NOTIFY):
    """Constructor-blocked SIGUSR1 stays pending until signal.Notify(SIGUSR1); one row per step."""
    rows = []
    with session.start(sample) as prog:
        def observe(step):
            df = masks.settled_masks(prog.pid)
            blocking = _blocking(df, "SIGUSR1")
            rows.append({N_("step"): step, N_("threads"): len(df), N_("threads blocking SIGUSR1"): blocking,
                         N_("threads leaving it unblocked"): len(df) - blocking,
                         N_("SIGUSR1 pending (ShdPnd)"): "SIGUSR1" in df["shared_pending"].iloc[0],
                         N_("Notify got"): notify_got(prog.output)})

        observe(N_("after start (Notify(SIGTERM) only)"))
        prog.send("SIGUSR1")
        time.sleep(0.2)
        observe("kill -USR1")
        prog.send("SIGTERM")
        prog.expect(r"got signal: [^\n]+\n")
        observe(N_("kill -TERM: the program calls Notify(SIGUSR1)"))
        prog.send("SIGTERM")
        outcome = prog.wait(5)
    rows.append({"step": N_("kill -TERM again"), "program": outcome.how})
    out = ints(pd.DataFrame(rows), "threads", "threads blocking SIGUSR1", "threads leaving it unblocked")
    out.attrs["outcome"] = outcome
    return out


def constructor_caption(table):
    """The caption of constructor_masks()'s table: how many signals the constructor blocked, and the signals
    no thread blocks afterwards."""
    return _("the constructor blocked {count} signals; no thread blocks {signals}").format(
        count=table.attrs["constructor_blocked"], signals=i18n.value(trace.describe_mask(set(table.attrs["unblocked"]))))

"""C installs its own SIGINT handler in a Go program: who runs, who wins, and when it crashes.

sigaction is process-wide, so C code that installs a handler replaces the
runtime's (or is replaced by it, when it comes first). Each case is a sample
run several times; strace shows the order of the sigaction calls.
"""

import re
from collections import Counter
from dataclasses import dataclass

import pandas as pd

from .. import gdb, masks, session, trace
from ..errors import SigcampError
from .common import CONSTRUCTOR_HANDLER, CRASHING_HANDLER, ints


@dataclass(frozen=True)
class HandlerCase:
    """One way C code installs a SIGINT handler in a Go program (one sample, maybe with arguments)."""

    sample: str
    installed: str  # when C calls sigaction, relative to the runtime and to signal.Notify
    onstack: bool  # SA_ONSTACK in its sa_flags
    chains: bool  # calls the handler it replaced
    notify: bool = True  # the program calls signal.Notify(SIGINT)
    args: tuple = ()


SIGACTION_CASES = (
    HandlerCase("cgo-sigaction-onstack", "after Notify", True, False),
    HandlerCase("cgo-sigaction-no-onstack", "after Notify", False, False),
    HandlerCase("cgo-sigaction-no-onstack-chain", "after Notify", False, True),
    HandlerCase("cgo-sigaction-onstack-chain", "after Notify", True, True),
    HandlerCase("cgo-notify-after-sigaction", "before Notify", True, False),
    HandlerCase(CONSTRUCTOR_HANDLER, "in a constructor, before the runtime starts", True, False),
    HandlerCase(CONSTRUCTOR_HANDLER, "in a constructor, before the runtime starts", True, False, notify=False,
                args=("-no-notify",)),
)


def handler_outcome(outcome):
    """What one run shows: how often the C handler ran, what Notify got, how it ended, any fatal error.

    The C handler's runs are its own "C handler: SIGINT" lines when it writes
    them (it does even when the program then dies), else the count the program
    prints at its end; None when neither was printed.
    """
    out = outcome.output
    lines = len(re.findall(r"^C handler: SIGINT", out, re.M))
    ran = re.search(r"C handler ran (\d+) times", out)
    notify = re.search(r"Notify got (\w+)", out)
    fatal = re.search(r"fatal error: ([^\n]+)", out)
    return {"C handler ran": lines if lines else int(ran.group(1)) if ran else None,
            "Notify got": notify.group(1) if notify else None,
            "ended": outcome.how, "fatal error": fatal.group(1).strip() if fatal else ""}


def sigaction_cases(cases=SIGACTION_CASES, *, runs=3):
    """Each case `runs` times, SIGINT sent with kill(2) once READY; one row per case and outcome.

    `runs` column: how many of the runs ended that way (all of them when the
    outcome is deterministic); `of` the number of runs.
    """
    rows = []
    for case in cases:
        seen = Counter()
        for _ in range(runs):
            outcome = session.run(case.sample, args=case.args, send="SIGINT", wait=5)
            seen[tuple(handler_outcome(outcome).items())] += 1
        for outcome, n in seen.most_common():
            rows.append({"sample": " ".join((case.sample, *case.args)), "C installs it": case.installed,
                         "SA_ONSTACK": case.onstack, "calls Go's handler": case.chains,
                         "signal.Notify": case.notify, **dict(outcome), "runs": n, "of": runs})
    return ints(pd.DataFrame(rows), "C handler ran", "runs", "of")


def stack_matters(sample=CRASHING_HANDLER):
    """The same handler (no SA_ONSTACK, chains to Go's) hit on two threads, each with tgkill(2).

    The main thread spins in Go (goroutine stack); sysmon's thread sleeps on
    its system stack (g0), found with gdb. One row per target.
    """
    rows = []
    for target in ("main thread (spinning in main.main)", "sysmon's thread (idle)"):
        with session.start(sample) as prog:
            tid = prog.pid
            if target.startswith("sysmon"):
                frames = gdb.thread_backtraces(prog.pid)
                sysmon = frames.loc[frames["function"] == "runtime.sysmon", "lwp"]
                if sysmon.empty:
                    raise SigcampError(f"gdb found no thread in runtime.sysmon:\n{frames.attrs['raw']}")
                tid = int(sysmon.iloc[0])
            masks.tgkill(prog.pid, tid, "SIGINT")
            outcome = prog.wait(5)
        rows.append({"tgkill(SIGINT) at": target, "tid": tid, **handler_outcome(outcome)})
    return ints(pd.DataFrame(rows), "C handler ran")


def sigaction_calls(samples_=("cgo-notify-after-sigaction", CONSTRUCTOR_HANDLER)):
    """Every sigaction(SIGINT) each program made, in order, under strace, handlers named.

    `program` says which sample; `handler` and `replaced` are function names
    (runtime.cgoSigtramp is the runtime's entry point in a cgo program).
    """
    parts = []
    for sample in samples_:
        events = trace.trace(sample, send="SIGINT", wait=3)
        names = trace.symbols(events.attrs["binary"])

        def name(h):
            if isinstance(h, str) and h.startswith("0x"):
                return names.get(int(h, 16), h)
            return h

        acts = events[(events["call"] == "rt_sigaction") & (events["signal"] == "SIGINT")]
        acts = acts[acts["handler"].notna()]
        parts.append(pd.DataFrame({"program": sample, "tid": acts["tid"], "handler": acts["handler"].map(name),
                                   "flags": acts["flags"].str.replace("|", " | ", regex=False),
                                   "replaced": acts["old_handler"].map(name),
                                   "program ended": events.attrs["outcome"].how}))
    return pd.concat(parts, ignore_index=True)

"""Chapter 2: what the Go runtime installs for signals, and the article's claims about it.

Each function gathers live evidence (strace of a real start-up, /proc masks,
the installed GOROOT's source) into a DataFrame the notebook shows as is.
"""

import pandas as pd

from . import gosource, masks, procfs, session, trace

NAMES_THE_ARTICLE_USES = ("runtime.opensigset", "runtime.dosig", "runtime.mksyscallg", "runtime.needkill",
                          "runtime.sigtramp", "runtime.sighandler", "runtime.sigsend", "os/signal.enableSignal")


def startup(sample="notify-unread"):
    """strace of a Go program's start-up: one row per signal it installed a handler for."""
    events = trace.trace(sample, send=None, wait=0.3)
    handlers = trace.installed_handlers(events, binary=events.attrs.get("binary"))
    handlers.attrs["events"] = events
    return handlers


def not_caught(sample="notify-unread"):
    """The signals whose SigCgt bit a running sample leaves clear, with each one's reason."""
    reasons = {"SIGKILL": "cannot be caught", "SIGSTOP": "cannot be caught",
               "SIGCONT": "left to the kernel (job control)", "SIGTSTP": "left to the kernel (job control)",
               "SIGTTIN": "left to the kernel (job control)", "SIGTTOU": "left to the kernel (job control)"}
    with session.start(sample) as prog:
        caught = procfs.thread_status(prog.pid, prog.pid)["caught"]
    missing = sorted({procfs.name(n) for n in range(1, procfs.NSIG + 1)} - caught, key=procfs.number)
    rows = [{"signal": s, "number": procfs.number(s),
             "why": reasons.get(s, "reserved by glibc for its own threads (SIGCANCEL/SIGSETXID region)")}
            for s in missing]
    df = pd.DataFrame(rows)
    df.attrs["caught"] = len(caught)
    return df


def call_counts(events):
    """How many times each traced system call (and each delivery) happened."""
    return events["call"].value_counts().rename_axis("call").reset_index(name="count")


def death_by_sigint(sample="spin-no-notify"):
    """The signal calls of a program without Notify between Ctrl+C and its death (strace)."""
    events = trace.trace(sample, send="ctrl-c")
    first = events.index[(events["call"] == "delivered") & (events["signal"] == "SIGINT")][0]
    tail = events.loc[first:, ["tid", "call", "signal", "flags", "handler", "mask", "result"]]
    tail = tail[(tail["signal"] == "SIGINT") | (tail["call"] == "rt_sigprocmask")].reset_index(drop=True)
    tail["mask"] = tail["mask"].apply(lambda m: trace.describe_mask(m) if isinstance(m, frozenset) else "")
    return tail


def name_check(names=NAMES_THE_ARTICLE_USES):
    """For each function name: is it defined in the installed GOROOT, and where."""
    rows = []
    for qualified in names:
        pkg, _, fn = qualified.rpartition(".")
        found = gosource.definitions(fn, (pkg,))
        rows.append({"name": qualified, "defined in GOROOT/src": not found.empty,
                     "where": "; ".join(f"{r.package}/{r.file}:{r.line}" for r in found.itertuples()) or "nowhere"})
    return pd.DataFrame(rows)


def claims(*, startup_handlers, plain_masks, events, names):
    """The article's chapter 2 claims beside the evidence gathered by the other functions."""
    callers = gosource.calls("enableSignal")
    callers = ", ".join(f"{r.package}.{r.in_function}" for r in callers.itertuples()) or "nobody"
    enables = ", ".join(f"{r.in_function} calls {r.text}" for r in gosource.calls("signal_enable").itertuples())
    sa = startup_handlers["flags"].str.contains("SA_ONSTACK").sum()
    blocked = int((plain_masks["blocked"] > 0).sum())
    waits = int(events["call"].isin(["rt_sigtimedwait"]).sum())
    missing = ", ".join(names.loc[~names["defined in GOROOT/src"], "name"])
    rows = [
        ("At start-up the runtime blocks every signal; a sigtramp thread waits for them with sigwaitinfo",
         f"{blocked} of {len(plain_masks)} threads of a plain Go program block any signal; "
         f"{waits} rt_sigtimedwait calls (sigwaitinfo's system call) in its start-up; "
         f"{sa} handlers installed with SA_ONSTACK: they run asynchronously on each thread's signal stack",
         "false"),
        ("The runtime uses functions such as runtime.opensigset, runtime.dosig, mksyscallg and sysmon's needkill",
         f"not defined anywhere in the installed GOROOT: {missing}", "false"),
        ("signal.enableSignal is called by the runtime to register the handler",
         f"os/signal.enableSignal is called by {callers}; {enables}: the call goes from os/signal into the runtime",
         "reversed"),
    ]
    return pd.DataFrame(rows, columns=["the article claims", "what we measured", "verdict"])


def plain_program_masks(sample="spin-no-notify"):
    """blocked_summary of a running sample (default: no os/signal at all)."""
    with session.start(sample) as prog:
        return masks.blocked_summary(prog.pid)

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


def claims(*, startup_handlers, plain_masks, events, names, path, one_thread, dispositions, latency_summary):
    """The article's chapter 2 claims beside the evidence the notebook gathered.

    path: delve.trace_sigint(); one_thread: masks.one_thread_blocks();
    dispositions: not_caught(); latency_summary: latency.summary().
    """
    sa = startup_handlers["flags"].str.contains("SA_ONSTACK").sum()
    blocked = int((plain_masks["blocked"] > 0).sum())
    waits = int(events["call"].isin(["rt_sigtimedwait"]).sum())
    missing = ", ".join(names.loc[~names["defined in GOROOT/src"], "name"])
    callers = ", ".join(f"{r.package}.{r.in_function}" for r in gosource.calls("enableSignal").itertuples())
    hops = " → ".join(path["function"].str.split(" ").str[0])
    aimed = one_thread.iloc[1]
    chld = "SIGCHLD" not in set(dispositions["signal"])
    lat = latency_summary
    gc_rows = "; ".join(f"{case}: median {r.median_us / 1000:.2f} ms, p99 {r.p99_us / 1000:.1f} ms"
                        for case, r in lat.iterrows() if str(case).startswith("go-"))
    sigdump = "sigdump" in gosource.godebug_settings()
    rows = [
        ("At start-up the runtime blocks every signal; a sigtramp thread waits for them with sigwaitinfo",
         f"{blocked} of {len(plain_masks)} threads of a plain Go program block any signal; "
         f"{waits} rt_sigtimedwait calls (sigwaitinfo's system call); {sa} handlers installed with "
         "SA_ONSTACK: they run on whichever thread the kernel picks, on its signal stack", "false"),
        ("The runtime builds its mask with opensigset, and dosig, mksyscallg and sysmon's needkill handle SIGINT",
         f"not defined anywhere in the installed GOROOT: {missing}", "false"),
        ("sigtramp → sighandler → dosig → goready, then sysmon notices the signal",
         f"delve, breakpoints on each hop of one real SIGINT: {hops}", "false"),
        ("signal.enableSignal is called by the runtime to register the handler",
         f"enableSignal is called by {callers}, and it calls into the runtime (signal_enable)", "reversed"),
        ("SIGCHLD is ignored by the runtime",
         "SIGCHLD's SigCgt bit is set: caught" if chld else "SIGCHLD is not caught", "false" if chld else "true"),
        ("A signal mask is per M (thread) and is not carried across goroutine switches",
         f"C blocked SIGINT on one thread: {int(one_thread.iloc[0]['threads blocking SIGINT'])} thread blocks it; "
         f"a tgkill to it stays pending there ({'in SigPnd' if aimed['SIGINT in its SigPnd'] else 'not pending'}), "
         f"a kill(2) to the process ends it: {one_thread.iloc[2]['program']}", "true"),
        ("GC every 1 s: 12.3 ms mean signal latency; every 100 ms: 41.6 ms", gc_rows, "not reproduced"),
        ("Rebuild the toolchain (make.bash) to add a print to sighandler; GODEBUG=sigdump=1 dumps signals",
         "go build -overlay patches one file for one build, GOROOT untouched; sigdump is "
         + ("a GODEBUG setting" if sigdump else "not among the runtime's GODEBUG settings"),
         "unnecessary; " + ("true" if sigdump else "no such setting")),
    ]
    return pd.DataFrame(rows, columns=["the article claims", "what we measured", "verdict"])


def plain_program_masks(sample="spin-no-notify"):
    """blocked_summary of a running sample (default: no os/signal at all)."""
    with session.start(sample) as prog:
        return masks.blocked_summary(prog.pid)

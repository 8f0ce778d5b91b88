"""Chapter 2: what the Go runtime installs for signals at start-up, and how a program without Notify dies.

Each function gathers live evidence (strace of a real start-up, /proc masks,
the runtime's own sigtable in the installed GOROOT) into a DataFrame the
notebook shows as is. The reasons given for a signal come from the runtime's
source (sigcamp.sigtable), never from a string typed here.
"""

import re

import pandas as pd

from . import gdb, gosource, masks, procfs, samples, session, sigtable, toolchain, trace

NAMES_THE_ARTICLE_USES = ("runtime.opensigset", "runtime.dosig", "runtime.mksyscallg", "runtime.needkill",
                          "runtime.sigtramp", "runtime.sighandler", "runtime.sigsend", "os/signal.enableSignal")
NOT_CAUGHT, CAUGHT_BY_GO, CAUGHT_BY_C = "not caught", "caught by Go's handler", "caught by the C library"
# What each sa_flags bit asks of the kernel (sigaction(2)).
SA_FLAGS = {
    "SA_ONSTACK": "run the handler on the thread's alternate signal stack (sigaltstack)",
    "SA_SIGINFO": "three-argument handler: signal number, siginfo_t, ucontext",
    "SA_RESTART": "restart a system call the signal interrupted instead of failing with EINTR",
    "SA_RESTORER": "return through sa_restorer (the runtime's sigreturn__sigaction), which calls rt_sigreturn",
}


def startup(sample="notify-unread"):
    """strace of a Go program's start-up: one row per signal it installed a handler for.

    attrs["events"] holds every traced event (trace.trace()).
    """
    events = trace.trace(sample, send=None, wait=0.3)
    handlers = trace.installed_handlers(events, binary=events.attrs.get("binary"))
    handlers.attrs["events"] = events
    return handlers


def handler_flags(handlers):
    """One row per sa_flags bit of the installed handlers: flag, on how many of them, what it asks for."""
    total = len(handlers)
    bits = handlers["flags"].fillna("").str.split("|").explode()
    counts = bits[bits != ""].value_counts()
    return pd.DataFrame([{"flag": flag, "handlers with it": f"{n} of {total}", "asks the kernel to": SA_FLAGS.get(flag, "")}
                         for flag, n in counts.items()])


def caught_set(sample):
    """The SigCgt set of a running sample (read once it printed READY)."""
    with session.start(sample) as prog:
        return procfs.thread_status(prog.pid, prog.pid)["caught"]


def not_caught(sample="notify-unread", *, cgo_sample="cgo-cond-wait"):
    """The signals a Go program does not catch, and those whose fate depends on cgo, with the runtime's reasons.

    One row for every signal the runtime does not install at start-up in a pure
    Go binary or in a cgo binary, or that the two binaries (`sample`,
    `cgo_sample`, both running) catch differently: the flags in the runtime's
    sigtable, the runtime's decision and its reason (sigtable.decision, quoting
    its source), and what SigCgt shows in each binary: "caught by Go's handler",
    "caught by the C library" (with the C function gdb saw install it) or
    "not caught". attrs: "caught" and "cgo_caught" (how many signals each catches).
    """
    caught, cgo_caught = caught_set(sample), caught_set(cgo_sample)
    rows = []
    for entry in sigtable.table().itertuples():
        installs, why = sigtable.decision(entry.number)
        installs_cgo, why_cgo = sigtable.decision(entry.number, cgo=True)
        in_go, in_cgo = entry.signal in caught, entry.signal in cgo_caught
        if installs and installs_cgo and in_go and in_cgo:
            continue
        decided = _decided(installs, why) if (installs, why) == (installs_cgo, why_cgo) else \
            f"pure Go: {_decided(installs, why)}\ncgo: {_decided(installs_cgo, why_cgo)}"
        rows.append({"signal": entry.signal, "number": entry.number, "sigtable flags": " + ".join(entry.flags),
                     "the runtime decides (its source)": decided,
                     "pure Go": _fate(in_go, installs, sample, entry.number),
                     "cgo": _fate(in_cgo, installs_cgo, cgo_sample, entry.number)})
    df = pd.DataFrame(rows)
    df.attrs.update(caught=len(caught), cgo_caught=len(cgo_caught))
    return df


def _decided(installs, why):
    return f"{'handler' if installs else 'no handler'}: {why}"


def _fate(caught, go_installs, sample, number):
    if not caught:
        return NOT_CAUGHT
    if go_installs:
        return CAUGHT_BY_GO
    by = installer(sample, number)
    return f"{CAUGHT_BY_C}{f', installed in {by}' if by else ''}"


def installer(sample, number, *, timeout=60):
    """The innermost named C or Go function on the stack of the rt_sigaction that installs a handler for
    signal `number` in `sample` (gdb, `catch syscall`), e.g. "late_init (./nptl/pthread_create.c:81)"."""
    binary = samples.build(sample)
    argv = [str(toolchain.gdb()), "-batch", "-nx", "-iex", "set auto-load python-scripts off",
            "-ex", "set pagination off", "-ex", "catch syscall rt_sigaction",
            "-ex", f"condition 1 $rdi == {int(number)} && $rsi != 0", "-ex", "run", "-ex", "bt 6", "-ex", "kill",
            str(binary)]
    out = gdb.run_bounded(argv, timeout=timeout).stdout
    frames = [f for f in gdb.parse_backtraces("Thread 1 (LWP 1):\n" + out)["function"]]
    for fn, line in zip(frames, re.findall(r"^#\d+ .*?(?: at (\S+))?$", out, re.M)):
        if "sigaction" not in fn:
            return f"{fn} ({line})" if line else fn
    return None


def sigaltstack_calls(events):
    """One row per thread of the traced start-up: its sigaltstack calls, in order, read from strace.

    Each Go thread (minitSignalStack) first asks for its current signal stack
    (a NULL new stack) and, finding none (SS_DISABLE), installs the 32 KiB one
    mpreinit allocated for its gsignal.
    """
    calls = events[events["call"] == "sigaltstack"]
    rows = []
    for tid, group in calls.groupby("tid", sort=False):
        steps = [_sigaltstack_step(raw) for raw in group["raw"]]
        rows.append({"thread": int(tid), "main thread": int(tid) == events.attrs.get("pid"),
                     "calls": len(steps), "first": steps[0], "second": steps[1] if len(steps) > 1 else "",
                     "later": "; ".join(steps[2:])})
    df = pd.DataFrame(rows, columns=["thread", "main thread", "calls", "first", "second", "later"])
    return df.drop(columns="later") if not df["later"].any() else df


def _sigaltstack_step(raw):
    m = re.match(r"sigaltstack\((NULL|\{[^}]*\}), (NULL|\{[^}]*\})\)", raw)
    if not m:
        return raw
    new, old = m.groups()
    if new == "NULL":
        flags = re.search(r"ss_flags=(\w+)", old or "")
        return f"query: the current stack is {'none (SS_DISABLE)' if flags and flags.group(1) == 'SS_DISABLE' else old}"
    size = re.search(r"ss_size=(\d+)", new)
    if "SS_DISABLE" in new:
        return "remove the signal stack (SS_DISABLE)"
    return f"set: a {int(size.group(1)) // 1024} KiB stack" if size else f"set: {new}"


def call_counts(events):
    """How many times each traced system call (and each delivery) happened."""
    return events["call"].value_counts().rename_axis("call").reset_index(name="count")


def death_by_sigint(sample="spin-no-notify"):
    """The signal calls of a program without Notify from Ctrl+C to its death (strace), one row per event.

    Columns: step, thread ("main" or its TID), event (the call or what the
    kernel did), signal, detail (si_code of a delivery, the new action, the mask).
    """
    events = trace.trace(sample, send="ctrl-c")
    pid = events.attrs.get("pid")
    first = events.index[(events["call"] == "delivered") & (events["signal"] == "SIGINT")][0]
    tail = events.loc[first:]
    about_sigint = tail["mask"].apply(lambda m: isinstance(m, frozenset) and "SIGINT" in m)
    tail = tail[(tail["signal"] == "SIGINT") | ((tail["call"] == "rt_sigprocmask") & about_sigint)]
    rows = []
    for r in tail.itertuples():
        if r.call == "delivered":
            event, detail = "SIGINT delivered", {"SI_KERNEL": "from the tty (SI_KERNEL)",
                                                 "SI_TKILL": "raised by the program (SI_TKILL)"}.get(r.flags, r.flags)
        elif r.call == "rt_sigprocmask":
            event, detail = f"rt_sigprocmask {r.flags}", trace.describe_mask(r.mask) if r.mask is not None else ""
        elif r.call == "rt_sigaction":
            event, detail = "rt_sigaction", f"handler {r.handler}"
        elif r.call == "tgkill":
            event, detail = "tgkill", "to itself" if r.target == r.tid else f"to thread {r.target}"
        elif r.call == "killed":
            event, detail = "killed", "the default action: the whole process ends"
        else:
            event, detail = r.call, r.result or ""
        rows.append({"thread": "main" if r.tid == pid else str(r.tid), "event": event,
                     "signal": r.signal if isinstance(r.signal, str) else "", "detail": detail})
    df = pd.DataFrame(rows, columns=["thread", "event", "signal", "detail"])
    df.insert(0, "step", range(1, len(df) + 1))
    df.attrs["outcome"] = events.attrs.get("outcome")
    return df


def name_check(names=NAMES_THE_ARTICLE_USES):
    """For each function name: is it defined in the installed GOROOT, and where."""
    rows = []
    for qualified in names:
        pkg, _, fn = qualified.rpartition(".")
        found = gosource.definitions(fn, (pkg,))
        rows.append({"name": qualified, "defined in GOROOT/src": not found.empty,
                     "where": "; ".join(f"{r.package}/{r.file}:{r.line}" for r in found.itertuples())})
    return pd.DataFrame(rows)


def plain_program_masks(sample="spin-no-notify"):
    """blocked_summary of a running sample (default: no os/signal at all)."""
    with session.start(sample) as prog:
        return masks.blocked_summary(prog.pid)


def mpg_glossary():
    """What G, M and P stand for, in the runtime's own words (the comment that opens runtime/proc.go)."""
    text = (toolchain.go().goroot / "src" / "runtime" / "proc.go").read_text()
    rows = [{"letter": m.group(1), "the runtime says": m.group(2).strip(), "where": f"proc.go:{text.count(chr(10), 0, m.start()) + 1}"}
            for m in re.finditer(r"^// ([GMP]) - (.*)$", text, re.M)]
    return pd.DataFrame(rows, columns=["letter", "the runtime says", "where"])


def enable_signal_callers():
    """Who calls enableSignal (os/signal) and what it calls in the runtime, from the installed GOROOT."""
    callers = gosource.calls("enableSignal")
    callee = gosource.calls("signal_enable", ("os/signal",))
    rows = [{"call": "enableSignal", "from": f"{r.package}.{r.in_function}", "at": f"{r.package}/{r.file}:{r.line}"}
            for r in callers.itertuples()]
    rows += [{"call": "signal_enable (runtime, by linkname)", "from": f"{r.package}.{r.in_function}",
              "at": f"{r.package}/{r.file}:{r.line}"} for r in callee.itertuples()]
    return pd.DataFrame(rows, columns=["call", "from", "at"])


def die_fallback():
    """(line, code) of the statement that ends runtime.dieFromSignal in the Go in use: what the runtime does
    when the signal it raised with the default action did not kill the process."""
    found = gosource.definitions("dieFromSignal", ("runtime",)).iloc[0]
    lines = (toolchain.go().goroot / "src" / "runtime" / found["file"]).read_text().splitlines()
    end = next(i for i in range(int(found["line"]), len(lines)) if lines[i] == "}")
    last = next(i for i in range(end - 1, 0, -1) if lines[i].strip() and not lines[i].strip().startswith("//"))
    return last + 1, lines[last].strip()


def death_on_releases(sample="spin-no-notify"):
    """death_by_sigint() on every Go release the course runs on, side by side: one row per release."""
    rows = []
    for spec in toolchain.course_versions():
        with toolchain.using(spec) as go:
            steps = death_by_sigint(sample)
            line, code = die_fallback()
        rows.append({"Go": go.version_text, "ended": steps.attrs["outcome"].how,
                     "SIGINT deliveries": int((steps["event"] == "SIGINT delivered").sum()),
                     "tgkill": int((steps["event"] == "tgkill").sum()),
                     "SIG_DFL restored": bool((steps["detail"] == "handler SIG_DFL").any()),
                     "dieFromSignal ends with": f"{code} (signal_unix.go:{line})"})
    return pd.DataFrame(rows)


def per_thread_syscall(sample="setuid-all-threads"):
    """strace of syscall.Setuid in a pure Go program: how the runtime uses signal 33 itself.

    One row per event about signal 33 or setuid, from the handler's install to
    each thread running setuid(2) in its handler: step, thread, event, detail.
    attrs: "threads signalled", "setuid threads", "outcome".
    """
    number, _ = sigtable.per_thread_syscall()
    name = procfs.name(number)
    events = trace.trace(sample, send=None, wait=5, calls=trace.CALLS + ("setuid",))
    pid = events.attrs.get("pid")
    keep = events[(events["signal"] == name) | (events["call"] == "setuid")]
    names = trace.symbols(events.attrs["binary"])
    rows = []
    for r in keep.itertuples():
        thread = "main" if r.tid == pid else str(r.tid)
        if r.call == "rt_sigaction":
            if not isinstance(r.handler, str):
                continue  # the query of the old action
            handler = names.get(int(r.handler, 16), r.handler) if r.handler.startswith("0x") else r.handler
            rows.append((thread, f"rt_sigaction {name}", f"handler {handler}, {r.flags}"))
        elif r.call == "tgkill":
            rows.append((thread, f"tgkill {name}", "to the main thread" if r.target == pid else f"to thread {r.target}"))
        elif r.call == "delivered":
            rows.append((thread, f"{name} delivered", f"{r.flags} (sent with tgkill)" if r.flags == "SI_TKILL" else r.flags))
        elif r.call == "setuid":
            rows.append((thread, "setuid", re.sub(r"\s+=\s.*$", "", r.raw) + f" = {r.result}"))
    df = pd.DataFrame(rows, columns=["thread", "event", "detail"])
    df.insert(0, "step", range(1, len(df) + 1))
    df.attrs.update({"threads signalled": int((df["event"] == f"tgkill {name}").sum()),
                     "setuid threads": int(df.loc[df["event"] == "setuid", "thread"].nunique()),
                     "outcome": events.attrs["outcome"]})
    return df

"""Chapter 3: how C code in a Go program blocks, delays or steals signals, and the article's claims.

Each function runs real cgo programs from c_samples/ and returns the evidence
(/proc masks, strace, gdb, delve, the installed runtime's source) as DataFrames
the notebook shows as they are. `claims()` sets the article beside them.
"""

import os
import re
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import delve, gdb, masks, procfs, samples, session, toolchain, trace
from .errors import SigcampError

BLOCKED_WAITER = "cgo-cond-wait-blocks-sigint"
PLAIN_WAITER = "cgo-cond-wait"
CONSTRUCTOR = "cgo-constructor-blocks"
CONSTRUCTOR_NOTIFY = "cgo-constructor-blocks-notify"
BLOCK_ALL = "cgo-block-all-signals"
C_THREAD = "cgo-c-thread-signal"
CRASHING_HANDLER = "cgo-sigaction-no-onstack-chain"
DLV_COMMANDS = ("goroutines -u", "goroutine {id} dump", "help dump", "goroutine {id} bt")
WAITER_CALLS = trace.CALLS + ("futex",)


def _tid(output, pattern=r"tid (\d+)"):
    m = re.search(pattern, output)
    if not m:
        raise SigcampError(f"the program did not print its thread id (/{pattern}/); its output:\n{output}")
    return int(m.group(1))


def _detail(row):
    """A short text for one strace event: the mask change, the futex operation, the signal."""
    if row.call == "rt_sigprocmask":
        return f"{row.flags} {trace.describe_mask(row.mask) if row.mask is not None else '(read only)'}"
    if row.call == "futex":
        m = re.match(r"futex\([^,]+, (\w+)", row.raw)
        return m.group(1) if m else row.raw
    if row.call == "delivered":
        return f"{row.signal} ({row.flags})"
    if row.call == "rt_sigreturn":
        return f"back from the handler, mask {trace.describe_mask(row.mask)}" if row.mask is not None else ""
    return row.raw


def _ints(df, *columns):
    """df with the given columns as nullable integers (rows that lack them stay empty)."""
    return df.astype({c: "Int64" for c in columns if c in df.columns})


def thread_events(events, tid):
    """One thread's strace events, condensed to call, detail and result."""
    df = events[events["tid"] == tid]
    out = pd.DataFrame({"call": df["call"], "detail": [_detail(r) for r in df.itertuples()],
                        "result": df["result"]})
    return out.reset_index(drop=True)


# --- 1. C blocks SIGINT on its thread, then waits in pthread_cond_wait -------------------------


def waiter_masks(sample=BLOCKED_WAITER):
    """Per-thread masks of the running sample, the pthread_cond_wait thread marked."""
    with session.start(sample) as prog:
        tid = _tid(prog.output)
        df = masks.blocked_summary(prog.pid)
    df.insert(2, "in pthread_cond_wait", df["tid"] == tid)
    df.attrs["tid"] = tid
    return df


def waiter_calls(sample=BLOCKED_WAITER):
    """The waiting thread's signal-mask and futex calls under strace, up to the program's end.

    The program is sent SIGINT with kill(2) once it is READY. attrs: "tid",
    "outcome", "events" (every thread's events).
    """
    events = trace.trace(sample, send="SIGINT", wait=3, calls=WAITER_CALLS)
    tid = _tid(events.attrs["outcome"].output)
    df = thread_events(events, tid)
    df.attrs.update(tid=tid, outcome=events.attrs["outcome"], events=events)
    return df


def waiter_frames(sample=BLOCKED_WAITER):
    """gdb's backtrace of the thread that waits in pthread_cond_wait (C frames, then the cgo call)."""
    with session.start(sample) as prog:
        tid = _tid(prog.output)
        frames = gdb.thread_backtraces(prog.pid)
    df = frames[frames["lwp"] == tid][["frame", "function", "location"]].reset_index(drop=True)
    df.attrs["tid"] = tid
    return df


# --- 2. pthread_cond_wait without any mask of its own ------------------------------------------


def _strace_child(strace_pid, exe, timeout):
    """PID of strace's child once it runs `exe`."""
    deadline = time.monotonic() + timeout
    exe = os.path.realpath(exe)
    while time.monotonic() < deadline:
        try:
            kids = Path(f"/proc/{strace_pid}/task/{strace_pid}/children").read_text().split()
        except OSError:
            kids = []
        for kid in kids:
            try:
                if os.readlink(f"/proc/{kid}/exe") == exe:
                    return int(kid)
            except OSError:
                pass
        time.sleep(0.005)
    raise SigcampError(f"strace (PID {strace_pid}) did not start {exe} within {timeout} s")


def _traced(sample, during, *, calls=WAITER_CALLS, wait=3.0, timeout=20):
    """Run a sample under strace; once READY call during(pid, running); return (events, its result)."""
    path = samples.build(sample)
    spec = samples.find(sample)
    toolchain.BUILD.mkdir(parents=True, exist_ok=True)
    fd, out = tempfile.mkstemp(prefix="strace-", suffix=".txt", dir=toolchain.BUILD)
    os.close(fd)
    try:
        argv = trace.strace_command([path, *spec.args], output=out, calls=calls)
        with session.start(argv[0], args=argv[1:], env=spec.env, timeout=timeout) as run:
            result = during(_strace_child(run.pid, path, timeout), run)
            outcome = run.wait(wait)
        events = trace.parse(Path(out).read_text())
    finally:
        Path(out).unlink(missing_ok=True)
    events.attrs["outcome"] = outcome
    return events, result


def cond_wait_signals(sample=PLAIN_WAITER, signals=("SIGUSR1", "SIGRTMIN+1")):
    """tgkill(2) each signal at a thread waiting in pthread_cond_wait (no mask of its own), under strace.

    One row per step: the waiter's SigBlk and SigPnd, and what the program printed.
    SIGTERM ends the program. attrs: "events" (the waiter's strace events),
    "outcome", "tid".
    """
    def during(pid, run):
        tid = _tid(run.output)
        rows = []

        def observe(step):
            st = procfs.thread_status(pid, tid)
            got = re.findall(r"got signal: ([^\n]+)", run.output)
            rows.append({"step": step, "waiter blocks": trace.describe_mask(st["blocked"]),
                         "waiter pending": trace.describe_mask(st["pending"]),
                         "Notify got so far": ", ".join(got) or "nothing"})

        observe("waiting")
        for n, sig in enumerate(signals, 1):
            masks.tgkill(pid, tid, sig)
            deadline = time.monotonic() + 5
            while len(re.findall(r"got signal: ", run.output)) < n and time.monotonic() < deadline:
                run.expect(r"got signal: [^\n]+\n", timeout=max(0.1, deadline - time.monotonic()))
            observe(f"tgkill(waiter, {sig})")
        os.kill(pid, procfs.number("SIGTERM"))
        return tid, rows

    events, (tid, rows) = _traced(sample, during)
    df = pd.DataFrame(rows)
    df.attrs.update(tid=tid, outcome=events.attrs["outcome"], events=thread_events(events, tid))
    return df


# --- 3. the mask a constructor sets, and what the runtime does with it ---------------------------

_SIGTAB = re.compile(r"/\*\s*(\d+)\s*\*/\s*\{([^,]*),\s*\"([^\"]*)\"\}")


def runtime_function(name, file="signal_unix.go"):
    """The source text of a function in the installed runtime (e.g. "blockableSig")."""
    path = toolchain.go().goroot / "src" / "runtime" / file
    lines = path.read_text().splitlines()
    start = next((i for i, l in enumerate(lines) if re.match(rf"func (\([^)]*\) )?{re.escape(name)}\(", l)), None)
    if start is None:
        raise SigcampError(f"no func {name} in {path}")
    end = next(i for i in range(start, len(lines)) if lines[i] == "}")
    return "\n".join(lines[start:end + 1])


def sigtable():
    """The runtime's sigtable for Linux: number, signal, flags (tuple of _Sig names), description."""
    path = toolchain.go().goroot / "src" / "runtime" / "sigtab_linux_generic.go"
    rows = []
    for num, flags, text in _SIGTAB.findall(path.read_text()):
        num = int(num)
        if num == 0:
            continue
        names = tuple(f.strip() for f in flags.split("+") if f.strip() not in ("", "0"))
        rows.append({"number": num, "signal": procfs.name(num), "flags": names, "description": text})
    if len(rows) != procfs.NSIG:
        raise SigcampError(f"read {len(rows)} sigtable entries from {path}, expected {procfs.NSIG}")
    return pd.DataFrame(rows)


def runtime_unblocks(*, asyncpreemptoff=False):
    """For each signal, whether the runtime unblocks it on every thread of an executable, and why.

    Mirrors blockableSig (runtime/signal_unix.go) for an executable, after
    checking that its three rules are still in the installed source.
    """
    text = runtime_function("blockableSig")
    for rule in ("flags&_SigUnblock != 0", "sig == sigPreempt", "flags&(_SigKill|_SigThrow) == 0"):
        if rule not in text:
            raise SigcampError(f"blockableSig no longer contains `{rule}`; update cgo.runtime_unblocks:\n{text}")
    preempt = _sig_preempt()
    df = sigtable()
    why = []
    for r in df.itertuples():
        if "_SigUnblock" in r.flags:
            why.append("_SigUnblock")
        elif r.signal == preempt and not asyncpreemptoff:
            why.append("sigPreempt (asynchronous preemption)")
        elif "_SigKill" in r.flags or "_SigThrow" in r.flags:
            why.append(" + ".join(f for f in r.flags if f in ("_SigKill", "_SigThrow")))
        else:
            why.append("")
    df["unblocked by the runtime"] = [bool(w) for w in why]
    df["why"] = why
    df["flags"] = df["flags"].apply(lambda f: " + ".join(f) or "0")
    return df


def _sig_preempt():
    text = (toolchain.go().goroot / "src" / "runtime" / "signal_unix.go").read_text()
    return "SIG" + re.search(r"const sigPreempt = _SIG(\w+)", text).group(1)


def _calls_for(handler, constant):
    """Functions called inside the `if sig == constant ...` blocks of a handler's source."""
    lines, called = handler.splitlines(), []
    for i, line in enumerate(lines):
        if re.search(rf"\bsig == {constant}\b", line) and line.rstrip().endswith("{"):
            indent = line[: len(line) - len(line.lstrip())]
            for body in lines[i:]:
                called += [f for f in re.findall(r"(?<![.\w])([a-zA-Z_]\w*)\(", body)
                           if f not in ("if", "for", "switch", "uint32", "uintptr", "int32")]
                if body == indent + "}":
                    break
    return list(dict.fromkeys(called))


def signal_roles(signals=("SIGUSR1", "SIGURG", "SIGPROF")):
    """What the runtime itself does with each signal, read from the installed source.

    Columns: sigtable flags, the functions sighandler calls for it, whether it
    is sigPreempt, and whether the Linux netpoller (netpoll_epoll.go) names it.
    """
    src = toolchain.go().goroot / "src" / "runtime"
    handler = runtime_function("sighandler")
    netpoll = (src / "netpoll_epoll.go").read_text()
    preempt = _sig_preempt()
    flags = sigtable().set_index("signal")["flags"]
    rows = []
    for sig in signals:
        calls = _calls_for(handler, "_" + sig) + (_calls_for(handler, "sigPreempt") if sig == preempt else [])
        rows.append({"signal": sig, "sigtable flags": " + ".join(flags[sig]) or "0",
                     "sighandler calls for it": ", ".join(calls) or "nothing of its own",
                     "sigPreempt": sig == preempt, "named in netpoll_epoll.go": sig[3:] in netpoll})
    return pd.DataFrame(rows)


def _unblocked(blocked):
    everything = {procfs.name(n) for n in range(1, procfs.NSIG + 1)}
    return frozenset(everything - blocked)


def constructor_masks(sample=CONSTRUCTOR):
    """A program whose C constructor blocked every signal: its thread masks, a kill -USR1, a Ctrl+C.

    One row per step. attrs: "threads" (the settled per-thread masks),
    "unblocked" (signals no thread blocks), "predicted" (runtime_unblocks()).
    """
    predicted = runtime_unblocks()
    expected = frozenset(predicted.loc[predicted["unblocked by the runtime"], "signal"]) | {"SIGKILL", "SIGSTOP"}
    rows = []
    with session.start(sample) as prog:
        constructor = int(re.search(r"constructor blocked (\d+) signals", prog.output).group(1))

        def observe(step, program):
            df = masks.settled_masks(prog.pid)
            unblocked = df["blocked"].apply(_unblocked)
            rows.append({"step": step, "threads": len(df),
                         "threads blocking SIGUSR1": int(df["blocked"].apply(lambda b: "SIGUSR1" in b).sum()),
                         "threads blocking SIGINT": int(df["blocked"].apply(lambda b: "SIGINT" in b).sum()),
                         "unblocked = blockableSig's list": bool((unblocked == expected).all()),
                         "SIGUSR1 pending (ShdPnd)": "SIGUSR1" in df["shared_pending"].iloc[0],
                         "program": program})
            return df

        threads = observe("after start", "running")
        prog.send("SIGUSR1")
        time.sleep(0.2)
        observe("kill -USR1", "running" if prog.alive() else "ended")
        prog.ctrl_c()
        outcome = prog.wait(5)
    rows.append({"step": "Ctrl+C", "program": outcome.how})
    out = _ints(pd.DataFrame(rows), "threads", "threads blocking SIGUSR1", "threads blocking SIGINT")
    out.attrs.update(threads=threads, unblocked=sorted(_unblocked(threads["blocked"].iloc[0]), key=procfs.number),
                     predicted=predicted, constructor_blocked=constructor, outcome=outcome)
    return out


def constructor_then_notify(sample=CONSTRUCTOR_NOTIFY):
    """Constructor-blocked SIGUSR1 stays pending until signal.Notify(SIGUSR1); one row per step."""
    rows = []
    with session.start(sample) as prog:
        def observe(step):
            df = masks.settled_masks(prog.pid)
            got = re.findall(r"got signal: ([^\n]+)", prog.output)
            blocking = int(df["blocked"].apply(lambda b: "SIGUSR1" in b).sum())
            rows.append({"step": step, "threads": len(df), "threads blocking SIGUSR1": blocking,
                         "threads leaving it unblocked": len(df) - blocking,
                         "SIGUSR1 pending (ShdPnd)": "SIGUSR1" in df["shared_pending"].iloc[0],
                         "Notify got": ", ".join(got) or "nothing"})

        observe("after start (Notify(SIGTERM) only)")
        prog.send("SIGUSR1")
        time.sleep(0.2)
        observe("kill -USR1")
        prog.send("SIGTERM")
        prog.expect(r"got signal: [^\n]+\n")
        observe("kill -TERM: the program calls Notify(SIGUSR1)")
        prog.send("SIGTERM")
        outcome = prog.wait(5)
    rows.append({"step": "kill -TERM again", "Notify got": outcome.how})
    out = _ints(pd.DataFrame(rows), "threads", "threads blocking SIGUSR1", "threads leaving it unblocked")
    out.attrs["outcome"] = outcome
    return out


# --- 4. C blocks every signal on a spinning goroutine's thread (the article's 3.2) ----------------


def block_all(sample=BLOCK_ALL, *, hang=1.0):
    """runtime.GC() while a spinning goroutine's thread blocks every signal, and without the block.

    The spinner's mask is read at READY, its pending set after `hang` seconds,
    with whether the GC finished; then Ctrl+C if it still runs. One row per setting.
    """
    rows = []
    for setting, args in (("C blocked every signal on the spinner's thread", ()),
                          ("no block (-no-block)", ("-no-block",))):
        with session.start(sample, args=args) as prog:
            tid = _tid(prog.output)
            blocked = len(procfs.thread_status(prog.pid, tid)["blocked"])
            time.sleep(hang)
            alive = prog.alive()
            pending = trace.describe_mask(procfs.thread_status(prog.pid, tid)["pending"]) if alive else None
            if alive:
                prog.ctrl_c()
            outcome = prog.wait(5)
        done = re.search(r"GC finished in (\S+)", outcome.output)
        rows.append({"setting": setting, "spinner blocks": blocked, "spinner pending (SigPnd)": pending,
                     f"GC after {hang:g} s": f"finished in {done.group(1)}" if done else "still waiting",
                     "printed a panic": "panic" in outcome.output or "fatal error" in outcome.output,
                     "then": f"Ctrl+C: {outcome.how}" if alive else outcome.how})
    return pd.DataFrame(rows)


# --- 5. C installs its own SIGINT handler -----------------------------------------------------


@dataclass(frozen=True)
class HandlerCase:
    """One way C code installs a SIGINT handler in a Go program (one sample each)."""

    sample: str
    installed: str  # when C calls sigaction, relative to the runtime and to signal.Notify
    onstack: bool  # SA_ONSTACK in its sa_flags
    chains: bool  # calls the handler it replaced


SIGACTION_CASES = (
    HandlerCase("cgo-sigaction-onstack", "after Notify", True, False),
    HandlerCase("cgo-sigaction-no-onstack", "after Notify", False, False),
    HandlerCase("cgo-sigaction-no-onstack-chain", "after Notify", False, True),
    HandlerCase("cgo-sigaction-onstack-chain", "after Notify", True, True),
    HandlerCase("cgo-notify-after-sigaction", "before Notify", True, False),
    HandlerCase("cgo-sigaction-in-constructor", "in a constructor, before the runtime starts", True, False),
)


def _handler_outcome(outcome):
    out = outcome.output
    ran = re.search(r"C handler ran (\d+) times", out)
    notify = re.search(r"Notify got (\w+)", out)
    fatal = re.search(r"fatal error: ([^\n]+)", out)
    return {"C handler ran": int(ran.group(1)) if ran else None,
            "Notify got": notify.group(1) if notify else None,
            "ended": outcome.how, "fatal error": fatal.group(1) if fatal else ""}


def sigaction_cases(cases=SIGACTION_CASES, *, runs=3):
    """Each case `runs` times, SIGINT sent with kill(2) once READY; one row per case and outcome.

    `runs` column: how many of the runs ended that way (all of them when the
    outcome is deterministic).
    """
    rows = []
    for case in cases:
        seen = Counter()
        for _ in range(runs):
            outcome = session.run(case.sample, send="SIGINT", wait=5)
            seen[tuple(_handler_outcome(outcome).items())] += 1
        for outcome, n in seen.most_common():
            rows.append({"sample": case.sample, "C installs it": case.installed,
                         "SA_ONSTACK": case.onstack, "calls Go's handler": case.chains,
                         **dict(outcome), "runs": f"{n} of {runs}"})
    return _ints(pd.DataFrame(rows), "C handler ran")


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
        rows.append({"tgkill(SIGINT) at": target, "tid": tid, **_handler_outcome(outcome)})
    return _ints(pd.DataFrame(rows), "C handler ran")


def sigaction_calls(samples_=("cgo-notify-after-sigaction", "cgo-sigaction-in-constructor")):
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
                                   "flags": acts["flags"], "replaced": acts["old_handler"].map(name),
                                   "program ended": events.attrs["outcome"].how}))
    return pd.concat(parts, ignore_index=True)


# --- 6. signals on a thread C created ----------------------------------------------------------


def c_thread_signal(sample=C_THREAD):
    """tgkill(SIGINT) at a thread C created with pthread_create, with and without Notify."""
    rows = []
    for setting, args in (("signal.Notify(SIGINT)", ()), ("no Notify (-no-notify)", ("-no-notify",))):
        with session.start(sample, args=args) as prog:
            tid = _tid(prog.output, r"C thread tid (\d+)")
            st = procfs.thread_status(prog.pid, tid)
            masks.tgkill(prog.pid, tid, "SIGINT")
            outcome = prog.wait(5)
        got = re.search(r"got signal: ([^\n]+)", outcome.output)
        rows.append({"program": setting, "C thread": tid, "C thread blocks": trace.describe_mask(st["blocked"]),
                     "Notify got": got.group(1) if got else "nothing", "ended": outcome.how})
    return pd.DataFrame(rows)


def _tgkill_when(dbg, pattern, signame, box, timeout):
    """In the background: once the program prints `pattern` (a TID group), tgkill that thread."""
    def later():
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = re.search(pattern, dbg.target_output)
            if m:
                box["tid"] = int(m.group(1))
                masks.tgkill(dbg.pid, box["tid"], signame)
                return
            dbg.wait_output("\n", timeout=0.05)
            time.sleep(0.01)

    threading.Thread(target=later, daemon=True).start()


def c_thread_breakpoints(sample=C_THREAD, *, timeout=15):
    """delve: breakpoints on runtime.sighandler, runtime.badsignal and runtime.sigsend (SIGINT only),
    then a tgkill(SIGINT) at the C thread. One row per stop: function, thread, goroutine, stack.
    attrs["hits"]: each breakpoint's hit count when the last stop was reached.
    """
    rows, box, hits = [], {}, None
    with delve.launch(sample, timeout=timeout + 20) as dbg:
        names = {dbg.create_breakpoint("runtime.sighandler", cond="sig == 2"): "runtime.sighandler",
                 dbg.create_breakpoint("runtime.badsignal", cond="sig == 2"): "runtime.badsignal",
                 dbg.create_breakpoint("runtime.sigsend", cond="s == 2"): "runtime.sigsend"}
        _tgkill_when(dbg, r"C thread tid (\d+)\n", "SIGINT", box, timeout)
        for order in range(1, 4):
            stop = dbg.continue_(timeout=timeout)
            if stop.exited or stop.timed_out or stop.breakpoint not in names:
                break
            stack = list(dbg.stacktrace(-1, depth=8)["function"])
            rows.append({"order": order, "function": names[stop.breakpoint], "thread": stop.thread,
                         "goroutine": stop.goroutine, "stack": " <- ".join(stack)})
            hits = dbg.breakpoints().set_index("function")["hits"]
    df = pd.DataFrame(rows, columns=["order", "function", "thread", "goroutine", "stack"])
    df = df.astype({"goroutine": "Int64"})
    df.attrs.update(tid=box.get("tid"), hits=hits)
    return df


# --- 7. delve on a goroutine stuck in C ---------------------------------------------------------


@dataclass
class StuckInC:
    """What delve shows of a program whose goroutine waits inside a C call."""

    goroutines: pd.DataFrame
    goroutine: int  # the goroutine inside the C call
    stack: pd.DataFrame  # its frames, C ones included
    threads: pd.DataFrame
    tid: int  # the thread the program says is waiting


def stuck_in_c(sample=BLOCKED_WAITER, *, timeout=30):
    """Run the sample under headless delve until READY, halt it, and read goroutines, one stack, threads."""
    with delve.launch(sample, timeout=timeout) as dbg:
        deadline = time.monotonic() + timeout
        while "READY" not in dbg.target_output:
            if time.monotonic() > deadline:
                raise SigcampError(f"{sample} did not print READY under delve within {timeout} s")
            if dbg.continue_(timeout=0.5).exited:
                raise SigcampError(f"{sample} exited under delve before printing READY")
        if dbg.state().running:
            dbg.halt()
        gs = dbg.goroutines()
        in_c = gs[gs["start_function"].fillna("").str.contains("_Cfunc_")]
        if in_c.empty:
            raise SigcampError(f"no goroutine of {sample} was started on a C function:\n{gs}")
        gid = int(in_c["id"].iloc[0])
        return StuckInC(goroutines=gs, goroutine=gid, stack=dbg.stacktrace(gid, depth=20),
                        threads=dbg.threads(), tid=_tid(dbg.target_output))


def article_dlv_commands(sample=BLOCKED_WAITER, commands=DLV_COMMANDS):
    """Type the article's dlv commands (and `help dump`) at a real dlv prompt, halted once the program is READY.

    "{id}" in a command is the goroutine that waits in C (read from `goroutines`).
    Returns one row per command: command, output.
    """
    rows, gid = [], None
    with delve.terminal(sample) as dlv:
        dlv.send("continue")
        dlv.expect("READY")
        time.sleep(0.2)
        dlv.ctrl_c()
        for command in commands:
            if "{id}" in command:
                if gid is None:
                    listing = dlv.cmd("goroutines")
                    m = re.search(r"Goroutine (\d+) - User: \S+ C\.", listing)
                    if not m:
                        raise SigcampError(f"no goroutine is in a C function:\n{listing}")
                    gid = int(m.group(1))
                command = command.format(id=gid)
            rows.append({"command": command, "output": dlv.cmd(command).strip()})
    return pd.DataFrame(rows)


def transcript(commands):
    """The rows of article_dlv_commands() as a dlv screen: `(dlv) command` lines, each with its output."""
    return "\n\n".join(f"(dlv) {r.command}\n{r.output}" for r in commands.itertuples())


# --- the article's claims -----------------------------------------------------------------------


def _tf(claim_holds):
    return "true" if claim_holds else "false"


def claims(*, calls, plain, one_thread, roles, constructor, block, handlers, stuck, dlv_commands, c_thread,
           breakpoints):
    """The article's chapter 3 claims beside the evidence gathered in the notebook; verdicts follow it.

    calls: waiter_calls(); plain: cond_wait_signals(); one_thread: masks.one_thread_blocks(BLOCKED_WAITER);
    roles: signal_roles(); constructor: constructor_masks(); block: block_all();
    handlers: sigaction_cases(); stuck: stuck_in_c();
    dlv_commands: article_dlv_commands(); c_thread: c_thread_signal();
    breakpoints: c_thread_breakpoints().
    """
    block_row = calls.index[calls["detail"] == "SIG_BLOCK SIGINT"]  # C's pthread_sigmask
    after = calls.loc[block_row[-1] + 1:] if len(block_row) else calls.iloc[0:0]
    masks_after = int((after["call"] == "rt_sigprocmask").sum())
    waits = after.loc[after["call"] == "futex", "detail"]
    wait_op = waits.iloc[-1] if len(waits) else "none"
    p_events = plain.attrs["events"]
    delivered = list(p_events.loc[p_events["call"] == "delivered", "detail"])
    got = plain["Notify got so far"].iloc[-1]
    blocked_during = sorted(set(plain["waiter blocks"]))
    returns = re.search(r"pthread_cond_wait returned (\d+) times", plain.attrs["outcome"].output)
    rt_handled = any(d.startswith("SIGRTMIN") for d in delivered) and "signal 35" in got
    r = roles.set_index("signal")
    role = {s: f"{s}: {r.loc[s, 'sighandler calls for it']}" for s in r.index}
    preempt = ", ".join(r.index[r["sigPreempt"]]) or "none"
    netpoll = ", ".join(r.index[r["named in netpoll_epoll.go"]]) or "none of them"
    role_verdict = "; ".join([f"SIGUSR1 {_tf(r.loc['SIGUSR1', 'sigPreempt'])}",
                              f"SIGURG {_tf(bool(r.loc['SIGURG', 'named in netpoll_epoll.go']))}",
                              f"SIGPROF {_tf('sigprof' in r.loc['SIGPROF', 'sighandler calls for it'])}"])
    hung, free = block.iloc[0], block.iloc[1]
    gc_col = next(c for c in block.columns if c.startswith("GC after"))
    silent_hang = hung[gc_col] == "still waiting" and not hung["printed a panic"]
    in_c = stuck.goroutines.set_index("id").loc[stuck.goroutine]
    frames = list(stuck.stack["function"])
    c_frames = [f for f in frames if isinstance(f, str) and not f.startswith(("runtime.", "main."))]
    dump = dlv_commands[dlv_commands["command"].str.match(r"goroutine \d+ dump")]["output"].iloc[0]
    dump_help = dlv_commands[dlv_commands["command"] == "help dump"]["output"].iloc[0].splitlines()[0]
    bt = dlv_commands[dlv_commands["command"].str.endswith(" bt")]["output"].iloc[0]
    listed = bool(re.search(r"Goroutine \d+ - User: \S+ C\.\S+ .*\(thread \d+\)", dlv_commands["output"].iloc[0]))
    dump_works = "pthread_cond_wait" in dump
    notify_c = c_thread.iloc[0]
    hits = breakpoints.attrs.get("hits")
    hit_text = ", ".join(f"{fn} {int(n)}" for fn, n in hits.items()) if hits is not None else "no stop"
    pending = bool(constructor["SIGUSR1 pending (ShdPnd)"].iloc[1])
    aimed = one_thread.iloc[1]
    in_sigpnd = bool(aimed["SIGINT in its SigPnd"])
    swallow = handlers[~handlers["calls Go's handler"].astype(bool) & (handlers["C handler ran"] == 1)
                       & (handlers["Notify got"] == "nothing")]
    swallow_runs = ", ".join(f"{r.sample} ({r.runs} runs)" for r in swallow.itertuples())
    reached = "user defined signal 1" in got and notify_c["Notify got"] != "nothing"
    rows = [
        ("pthread_cond_wait blocks SIGUSR1 and other non-real-time signals while it waits (glibc, sigprocmask + futex)",
         f"a thread waiting in pthread_cond_wait blocks: {', '.join(blocked_during)}; tgkill at it delivered "
         f"{', '.join(delivered)} during the futex wait, and Notify got {got}; pthread_cond_wait returned "
         f"{returns.group(1) if returns else '?'} times", _tf(blocked_during != ["none"])),
        ("Before sleeping, the waiter masks RTMIN/RT_1 (rt_sigprocmask(SIG_SETMASK, [RTMIN RT_1])), so kill -RTMIN "
         "cannot reach it",
         f"after C's own SIG_BLOCK, the waiter made {masks_after} rt_sigprocmask calls before waiting ({wait_op}); "
         f"strace's RTMIN and RT_1 are signals 32 and 33, which glibc keeps for itself; SIGRTMIN+1 aimed at the "
         f"waiter was {'handled' if rt_handled else 'not handled'}", _tf(masks_after > 0 or not rt_handled)),
        ("(the chapter's title) cgo calls make signals get lost",
         f"a tgkill'ed SIGINT {'waits' if in_sigpnd else 'does not wait'} in the blocking thread's SigPnd; a kill "
         f"-USR1 blocked by a constructor {'waits' if pending else 'does not wait'} in ShdPnd until a thread "
         f"unblocks it. What did swallow SIGINT: C handlers that do not call Go's, in {swallow_runs or 'no case'}",
         ("false for masks: pending, not lost" if pending and in_sigpnd else "true for masks")
         + ("; true for C handlers" if len(swallow) else "")),
        ("SIGUSR1 is used for goroutine preemption and GC, SIGURG for netpoll wake-ups, SIGPROF for pprof",
         f"what sighandler calls for each: {'; '.join(role.values())}; sigPreempt is {preempt}; the netpoller "
         f"names {netpoll}", role_verdict),
        ("Blocking every signal with sigfillset + sigprocmask in a cgo call leads to 'all goroutines are asleep'",
         f"the spinner's thread blocks {hung['spinner blocks']} signals with {hung['spinner pending (SigPnd)']} "
         f"pending; GC: {hung[gc_col]}, panic printed: {hung['printed a panic']}; {hung['then']}. "
         f"Without the block: {free[gc_col]}", "false: a silent hang" if silent_hang else "true"),
        ("A goroutine blocked in a C call does not get signals: the signal path breaks at runtime.cgocall",
         f"signals aimed at the thread of a goroutine inside pthread_cond_wait reached Notify ({got}); even a "
         f"thread C created passes SIGINT on (Notify got {notify_c['Notify got']}; breakpoint hits: {hit_text})",
         _tf(not reached)),
        ("`goroutines -u` and `goroutine <id> dump` show the goroutine stuck in C with its C frames",
         f"goroutine {stuck.goroutine} is '{in_c['status']}' at {in_c['function']}; `goroutine N dump` answers "
         f"'{dump}' (`help dump`: {dump_help}); `goroutine N bt` and the Stacktrace call show the C frames "
         f"({', '.join(c_frames[:4])}, ...) down to runtime.cgocall",
         "true" if listed and dump_works else ("half true: goroutines -u and bt, not dump"
                                               if listed and "runtime.cgocall" in bt else "false")),
    ]
    return pd.DataFrame(rows, columns=["the article claims", "what we measured", "verdict"])

"""Chapter 4's claims: delve in production, LockOSThread + Notify, a C signal owner, PID 1 in a container.

Evidence: attach.attach_snapshot(), attach.detach_runs(), routing.thread_routing(),
routing.notify_order(), sigowner.sigtimedwait_timeouts(), sigowner.sigwait_owner(),
sigowner.gc_while_owner_waits(), pid1.pid1_table().
"""

from .. import attach, pid1, sigowner
from ..ledger import Claim, Finding, holds, holds_only_when, not_reproduced, refuted


def _n(count, total):
    return f"{count} of {total}"


# --- delve -------------------------------------------------------------------------------


def _halt_text(run):
    halting = run.sent[run.sent.step == "halt"]
    sent = ", ".join(f"{call}({sig}) ×{n}" for (call, sig), n in
                     halting.groupby(["call", "signal"], sort=False).size().items()) or "no signal"
    stopped = int((run.states_halted.state == "t").sum())
    return sent, stopped, len(run.states_halted)


def judge_halt_sends_sigint(run):
    """Holds when strace saw delve send SIGINT while halting the program; refuted otherwise."""
    sent, stopped, threads = _halt_text(run)
    measured = f"strace of dlv during a halt: {sent}; {_n(stopped, threads)} threads in tracing stop (t)"
    return Finding(holds() if "SIGINT" in run.signals_sent("halt") else refuted(), measured)


def judge_runtime_freezes(run):
    """Refuted when every thread sat in the kernel's tracing stop during the halt (the runtime ran no
    code, so it paused nothing itself); not reproduced when some thread was not stopped that way."""
    sent, stopped, threads = _halt_text(run)
    measured = (f"during the halt {_n(stopped, threads)} threads were in tracing stop (t); dlv sent {sent}; "
                f"after the detach a real Ctrl+C: {run.after.how}")
    if stopped == threads:
        return Finding(refuted(), measured)
    return Finding(not_reproduced(f"{threads - stopped} threads were not in tracing stop, yet nothing showed the "
                                  "runtime stopping its Ps"), measured)


def judge_detach_sends_sigint(runs):
    """Holds when a plain Detach sends SIGINT; holds only when killing if only Detach{Kill:true} does."""
    rows = {r["case"]: r for r in runs.to_dict("records")}
    said = "; ".join(f"{r['request']} ({case}): {r['dlv sent']} → {r['ended']}" for case, r in rows.items())
    plain = [r for r in rows.values() if r["request"] == attach.PLAIN]
    killing = [r for r in rows.values() if r["request"] == attach.KILLING and r["started with"] == "dlv attach"]
    if any("SIGINT" in r["signals"] for r in plain):
        return Finding(holds(), said)
    if killing and all("SIGINT" in r["signals"] for r in killing):
        return Finding(holds_only_when("the detach kills the program delve attached to (Detach with Kill: true; "
                                       "delve's killProcess: kill(pid, SIGINT)); a plain detach sent no SIGINT"), said)
    return Finding(refuted(), said)


# --- LockOSThread + Notify ------------------------------------------------------------------


def judge_lock_routes(routes):
    """Holds when every kill(2) to the process ran its handler on the thread a (non-main) goroutine
    locked; refuted when any ran elsewhere."""
    kill = routes[(routes["sent with"] == "kill") & (routes["locked goroutine"] == "goroutine")]
    if kill.empty:
        raise KeyError("the routing evidence has no kill(2) with a new goroutine holding the lock")
    on_locked = int((kill["handler ran on (role)"] == "locked thread").sum())
    on_main = int((kill["handler ran on (role)"] == "main thread").sum())
    aimed = routes[routes["sent with"] != "kill"]
    aimed_ok = int((aimed["handler ran on"] == aimed["locked thread"]).sum())
    loop_locked = int((routes["os/signal.loop ran on"] == routes["locked thread"]).sum())
    measured = (f"kill(2) with a new goroutine locked: handler on the locked thread {_n(on_locked, len(kill))}, "
                f"on the main thread {_n(on_main, len(kill))}; tgkill/pthread_kill to the locked thread put it there "
                f"{_n(aimed_ok, len(aimed))}; os/signal.loop ran on the locked thread {_n(loop_locked, len(routes))}")
    main = routes[(routes["sent with"] == "kill") & (routes["locked goroutine"] == "main")]
    if len(main):
        measured += (f"; with the main goroutine locked, kill(2) landed on the main (= locked) thread "
                     f"{_n(int((main['handler ran on (role)'] == 'main thread (= locked)').sum()), len(main))}")
    return Finding(holds() if on_locked == len(kill) else refuted(), measured)


def _order_text(case, row):
    text = f"{case}: the locked goroutine got {_n(int(row['the locked goroutine got']), int(row['sent']))}"
    other = row.get("an unlocked goroutine got")
    if other is not None and other == other:  # not NaN: that case had an unlocked goroutine too
        text += f", the unlocked goroutine {_n(int(other), int(row['sent']))}"
    return text


def judge_lock_before_notify(order):
    """Refuted when the swapped order still delivers every signal to the locked goroutine; holds when
    only the swapped order loses signals; not reproduced when the article's order loses some too."""
    rows = {r["case"]: r for r in order.to_dict("records")}
    article = next(r for c, r in rows.items() if c.startswith("LockOSThread, then Notify"))
    swapped = next(r for c, r in rows.items() if c.startswith("Notify, then LockOSThread"))
    measured = "; ".join(_order_text(c, r) for c, r in rows.items())
    if article["the locked goroutine got"] < article["sent"]:
        return Finding(not_reproduced("even the article's order lost signals, so the order cannot be what "
                                      "decides"), measured)
    if swapped["the locked goroutine got"] < swapped["sent"]:
        return Finding(holds(), measured)
    return Finding(refuted(), measured)


# --- a C thread that owns a signal ---------------------------------------------------------


def judge_sigwaitinfo_eagain(calls):
    """Holds when sigwaitinfo returned EAGAIN; holds only for sigtimedwait when an expired timeout
    (of any length tried) gave EAGAIN and sigwaitinfo just waited; refuted when nothing gave EAGAIN."""
    waited = calls[calls["call"] == "sigwaitinfo"]
    timed = calls[calls["call"] == "sigtimedwait"]
    eagain = timed[timed["errno"] == "EAGAIN"]
    spans = ", ".join(f"{t:g} ms → {took:.2f} ms" for t, took in zip(eagain["timeout (ms)"], eagain["took (ms)"]))
    w = waited.iloc[0] if len(waited) else None
    waited_text = "sigwaitinfo was not run" if w is None else (
        f"sigwaitinfo slept in {w['asleep in'] or 'a wait'} and returned {w['returned']}"
        f"{' ' + w['errno'] if w['errno'] else ''} after {w['took (ms)']:.0f} ms, when the SIGUSR1 came")
    measured = f"sigtimedwait with nothing pending returned EAGAIN for timeouts {spans or 'none'}; {waited_text}"
    if w is not None and w["errno"] == "EAGAIN":
        return Finding(holds(), measured)
    if len(eagain) and len(eagain) == len(timed):
        return Finding(holds_only_when("the call is sigtimedwait and its timeout expires, whatever its length "
                                       f"(tried: {', '.join(f'{t:g} ms' for t in timed['timeout (ms)'])}); "
                                       "sigwaitinfo has no timeout"), measured)
    return Finding(refuted(), measured)


def _owner_text(owners, mode, wait):
    sub = sigowner.cases(owners, mode, "", wait)
    got, sent, lost = (int(sub[c].sum()) for c in ("C owner got", "sent", "nobody saw"))
    return f"{sigowner.WAITS[wait]}, blocked by {sigowner.HOW[mode]}: C got {_n(got, sent)}, lost {lost}"


def judge_poll_fixes(owners):
    """Holds when the article's poll gets every signal although Go's threads do not block it;
    refuted when it loses some while blocking the signal before the runtime starts gets them all;
    not reproduced when the owner lost nothing even without the poll."""
    measured = "; ".join(_owner_text(owners, m, w) for w in ("sigwaitinfo", "poll") for m in ("thread", "constructor")
                         if len(sigowner.cases(owners, m, "", w)))
    unmasked_wait = sigowner.cases(owners, "thread", "", "sigwaitinfo")
    unmasked_poll = sigowner.cases(owners, "thread", "", "poll")
    if unmasked_wait["nobody saw"].sum() + unmasked_wait["Go Notify got"].sum() == 0:
        return Finding(not_reproduced("the owner got every signal with sigwaitinfo and no mask elsewhere: "
                                      "Go took none"), measured)
    if (unmasked_poll["C owner got"] == unmasked_poll["sent"]).all():
        return Finding(holds(), measured)
    return Finding(refuted(), measured)


def judge_poll_not_busy(owners):
    """Refuted when the poll wakes its thread over 1000 times a second and 100 times as often as a
    sigwaitinfo owner at its busiest; holds otherwise."""
    polls, waits = owners[owners["owner"] == sigowner.WAITS["poll"]], owners[owners["owner"] == "sigwaitinfo"]
    if polls.empty or waits.empty:
        raise KeyError("the owner evidence needs runs that poll and runs that wait in sigwaitinfo")
    poll_rate, wait_rate = polls["owner wake-ups/s"].median(), waits["owner wake-ups/s"].max()
    measured = (f"the poll woke its thread {poll_rate:,.0f} times a second (median of {len(polls)} runs) and used "
                f"{polls['owner CPU %'].min()}-{polls['owner CPU %'].max()}% of a CPU; a sigwaitinfo owner at most "
                f"{wait_rate:,.0f} times a second (only for a signal) and {waits['owner CPU %'].max()}%")
    busy = poll_rate >= 1000 and poll_rate >= 100 * max(wait_rate, 1)
    return Finding(refuted() if busy else holds(), measured)


def judge_poll_keeps_gc_going(gcs):
    """Holds when a runtime.GC() never finished while the owner blocked in C (the stall the poll is
    said to prevent); refuted when every one finished."""
    in_cgo = gcs[gcs["the owner waits"].str.startswith("in a goroutine's cgo call")]
    done = in_cgo[in_cgo["finished"]]
    longest = in_cgo["longest runtime.GC() (ms)"].max()
    measured = (f"owner blocked in sigwaitinfo inside a cgo call: 5 runtime.GC() finished in "
                f"{_n(len(done), len(in_cgo))} runs, the longest {longest:.1f} ms; control (owner on a C thread): "
                f"{gcs.loc[~gcs.index.isin(in_cgo.index), 'longest runtime.GC() (ms)'].max():.1f} ms")
    return Finding(refuted() if len(done) == len(in_cgo) else holds(), measured)


# --- PID 1 ----------------------------------------------------------------------------------


def _pid1_text(table, keys, sends=("ctrl-c",)):
    parts = []
    for key in keys:
        title = table.loc[table["entry"] == key, "entry point (PID 1)"].iloc[0]
        parts.append(f"{title}: " + ", ".join(f"{pid1.SENT_TEXT[s].split(' (')[0]} {pid1.outcome(table, key, s)}"
                                              for s in sends if (table["sent"] == pid1.SENT_TEXT[s]).any()))
    return "; ".join(parts)


def judge_pid1_needs_init(table):
    """Holds when neither a program with no handler nor a Go program gets Ctrl+C as PID 1 and an init in
    front fixes it; holds only when PID 1 has no handler of its own if Go's runtime got it anyway;
    refuted when a PID 1 with no handler dies of it, or the init does not help."""
    sends = ("ctrl-c", "SIGINT")
    measured = _pid1_text(table, ("c", "go", "init"), sends)
    bare = [pid1.outcome(table, "c", s) for s in sends if (table["sent"] == pid1.SENT_TEXT[s]).any()]
    go = [pid1.outcome(table, "go", s) for s in sends if (table["sent"] == pid1.SENT_TEXT[s]).any()]
    init = pid1.outcome(table, "init", "ctrl-c")
    if any(o != "survived" for o in bare) or init == "survived":
        return Finding(refuted(), measured)
    if all(o == "survived" for o in go):
        return Finding(holds(), measured)
    return Finding(holds_only_when("PID 1 has no handler for the signal (the kernel applies no default action to "
                                   "a namespace's init); the Go runtime installs one, so a Go PID 1 got it and ended"),
                   measured)


def judge_init_gives_130(table):
    """With an init in front Ctrl+C gives 130 and without one it does not: refuted when the Go program
    alone already exits 130 as PID 1, or the init does not give 130; holds only when the Go program has
    no Notify, if it then ends with another status."""
    measured = _pid1_text(table, [k for k in ("go", "notify", "init") if (table["entry"] == k).any()])
    init, alone = pid1.outcome(table, "init", "ctrl-c"), pid1.outcome(table, "go", "ctrl-c")
    if init != "exit 130" or alone == "exit 130":
        return Finding(refuted(), measured)
    if (table["entry"] == "notify").any() and pid1.outcome(table, "notify", "ctrl-c") == "exit 130":
        return Finding(holds_only_when(f"the Go program has no Notify: alone as PID 1 it ended with {alone} "
                                       "(the runtime's last-resort exit in dieFromSignal); with Notify it exits 130 "
                                       "by itself"), measured)
    return Finding(holds(), measured)


ATTACH, DETACH = "attach.attach_snapshot", "attach.detach_runs"
ROUTING, ORDER = "routing.thread_routing", "routing.notify_order"
TIMEOUTS, OWNERS, GC = "sigowner.sigtimedwait_timeouts", "sigowner.sigwait_owner", "sigowner.gc_while_owner_waits"
PID1 = "pid1.pid1_table"
# What the experiments run on the other release (cheaper than the notebook's, enough for every judge).
OWNER_CASES = (("thread", "", "sigwaitinfo"), ("constructor", "", "sigwaitinfo"), ("thread", "", "poll"),
               ("constructor", "", "poll"))
OWNER_ARGS = {"cases": OWNER_CASES, "runs": 1, "n": 8}
PID1_ARGS = {"keys": ("c", "go", "notify", "init"), "sends": ("ctrl-c", "SIGINT")}

CLAIMS = [
    Claim("ch4.delve-halt-sends-sigint",
          "Delve 客户端向目标进程发送 SIGINT(而非 SIGSTOP),由其内建信号处理器接管,确保 runtime 能安全冻结调度器",
          "To halt a program, delve sends it SIGINT (not SIGSTOP); the program's own handler takes over and the "
          "runtime freezes the scheduler safely", ATTACH, judge_halt_sends_sigint),
    Claim("ch4.runtime-pauses-every-p",
          "Go runtime 的 sigtramp 会识别该信号并转入 sighandler,最终调用 stopTheWorldWithSema 安全停机",
          "The runtime's sigtramp recognises that signal, enters sighandler and finally calls "
          "stopTheWorldWithSema to stop safely", ATTACH, judge_runtime_freezes),
    Claim("ch4.detach-sends-sigint", "A[客户端调用 api.Detach] --> B[Delve 向 PID 发送 SIGINT]",
          "When the client calls api.Detach, delve sends SIGINT to the PID", DETACH, judge_detach_sends_sigint,
          {"cases": ("attached, running", "attached, kill")}),
    Claim("ch4.lockosthread-notify-routes",
          "是否保证信号由目标线程接收:LockOSThread + Notify 同一线程,是;D[OS 内核投递 SIGUSR1 到 M1]",
          "LockOSThread + Notify on one thread guarantees the signal is received by that thread: the kernel "
          "delivers SIGUSR1 to M1", ROUTING, judge_lock_routes,
          {"wheres": ("goroutine",), "methods": ("kill", "tgkill"), "runs": 1, "per": 2}),
    Claim("ch4.lock-before-notify",
          "LockOSThread 必须在 signal.Notify 前调用——因 Go 运行时仅将信号递送给已注册且处于锁定线程中的 goroutine。"
          "若顺序颠倒,信号可能被其他 goroutine 抢占接收",
          "LockOSThread must come before signal.Notify, because the runtime delivers signals only to goroutines "
          "that are registered and on a locked thread; the other way round, another goroutine may take the signal",
          ORDER, judge_lock_before_notify, {"n": 2}),
    Claim("ch4.sigwaitinfo-eagain", "sigwaitinfo 替代 sigwait:支持超时与 EAGAIN 可重试语义;返回 -1/EAGAIN 可判断无信号到达",
          "sigwaitinfo (instead of sigwait) supports a timeout and EAGAIN: -1/EAGAIN tells that no signal arrived",
          TIMEOUTS, judge_sigwaitinfo_eagain),
    Claim("ch4.poll-fixes-stolen-signal",
          "若 C 侧阻塞于 sigwait() 且信号被 Go 运行时接管,易导致死锁。最小侵入式修复是在 CGO 函数入口注入非阻塞轮询",
          "When C waits in sigwait() and the Go runtime takes the signal, it deadlocks; the least intrusive fix is a "
          "non-blocking poll at the entry of the cgo function", OWNERS, judge_poll_fixes, OWNER_ARGS),
    Claim("ch4.poll-not-busy", "nanosleep(&timeout, NULL); // 避免忙等,保持调度友好",
          "nanosleep between polls (10 µs) avoids busy waiting and stays friendly to the scheduler", OWNERS,
          judge_poll_not_busy, OWNER_ARGS),
    Claim("ch4.poll-unsticks-gc", "nanosleep 保证线程可被 Go runtime 抢占,避免 GC STW 卡住 C 栈",
          "nanosleep lets the Go runtime preempt the thread, so that a GC stop-the-world does not get stuck on the "
          "C stack", GC, judge_poll_keeps_gc_going, {"runs": 2}),
    Claim("ch4.pid1-needs-init",
          "Docker 容器中……SIGINT(Ctrl+C)默认无法穿透至主进程(PID 1)……启动容器时添加 --init 或使用 tini 作为 PID 1",
          "By default Ctrl+C (SIGINT) does not get through to a container's main process, PID 1; start the "
          "container with --init, or tini as PID 1", PID1, judge_pid1_needs_init, PID1_ARGS),
    Claim("ch4.init-exit-130", "Ctrl+C → docker → tini → systemd → app:ExitCode 130;Ctrl+C → docker → systemd(无 init):ExitCode 0",
          "With an init (tini) in front, Ctrl+C ends the container with status 130; without one it does not",
          PID1, judge_init_gives_130, PID1_ARGS),
]

"""Chapter 3's claims: how cgo code loses signals. Each judge reads one experiment of sigcamp.cgo."""

import re

from ..ledger import Claim, Finding, holds, holds_only_when, not_reproduced, refuted

WAIT = "cgo.waiting.cond_wait_signals"
ONE_THREAD = "cgo.waiting.waiter_kill_vs_tgkill"
BLOCK = "cgo.blocking.block_signals"
DLV = "cgo.stuck.article_dlv_commands"
HANDLERS = "cgo.handlers.sigaction_cases"

STILL_WAITING = "still waiting"  # blocking.STILL_WAITING: the GC had not finished
NOTHING = "nothing"  # common.NOTHING: no signal reached Notify
QUICK = {"hang": 0.5}  # block_signals on another release: half a second decides whether a GC finished


# --- pthread_cond_wait (cond_wait_signals) -------------------------------------------------------


def _delivered(plain):
    events = plain.attrs["events"]
    return [d.split(" ")[0] for d in events.loc[events["call"] == "delivered", "detail"]]


def _wait_summary(plain):
    blocked = ", ".join(dict.fromkeys(plain["waiter blocks"]))
    returns = re.search(r"pthread_cond_wait returned (\d+) times", plain.attrs["outcome"].output)
    return (f"the waiting thread blocked {blocked} at each of {len(plain)} reads; tgkill at it delivered "
            f"{', '.join(_delivered(plain)) or 'nothing'} during the wait; Notify got "
            f"{plain['Notify got so far'].iloc[-1]}; pthread_cond_wait returned "
            f"{returns.group(1) if returns else 'an unknown number of'} times")


def judge_cond_wait_blocks(plain):
    """Holds if the waiter's SigBlk ever held SIGUSR1; refuted if SIGUSR1 aimed at it was delivered."""
    measured = _wait_summary(plain)
    if any("SIGUSR1" in str(b) for b in plain["waiter blocks"]):
        return Finding(holds(), measured)
    if "SIGUSR1" in _delivered(plain):
        return Finding(refuted(), measured)
    return Finding(not_reproduced("tgkill(SIGUSR1) at the waiter: neither blocked nor delivered"), measured)


def _rt_masks(plain):
    """rt_sigprocmask calls of the waiter after its start-up mask that name a real-time or glibc signal."""
    events = plain.attrs["events"]
    calls = events[events["call"] == "rt_sigprocmask"]["detail"]
    after = calls.iloc[2:] if len(calls) >= 2 else calls.iloc[0:0]  # creation (all blocked), then minit
    return [d for d in after if re.search(r"SIG3[23]|SIGRTMIN", d) and "SIG_UNBLOCK" not in d]


def judge_cond_wait_masks_rt(plain):
    """Holds if the waiter masks real-time signals before sleeping and SIGRTMIN+1 never reaches it."""
    masking = _rt_masks(plain)
    rt = [s for s in plain.attrs.get("sent", ()) if s.startswith("SIGRTMIN")]
    reached = [s for s in rt if s in _delivered(plain)]
    measured = (f"after its start-up mask the waiter made {len(masking)} rt_sigprocmask calls naming real-time "
                f"signals{': ' + '; '.join(masking) if masking else ''}; {', '.join(rt) or 'no real-time signal'} "
                f"aimed at it: {'delivered' if reached else 'not delivered'}; Notify got "
                f"{plain['Notify got so far'].iloc[-1]}")
    if masking and not reached:
        return Finding(holds(), measured)
    if reached:
        return Finding(refuted(), measured)
    return Finding(not_reproduced("no real-time signal was aimed at the waiter"), measured)


def judge_no_signal_through_cgocall(plain):
    """Refuted when a signal aimed at the thread of a goroutine inside a C call reaches Notify."""
    got = plain["Notify got so far"].iloc[-1]
    measured = (f"tgkill of {', '.join(plain.attrs.get('sent', ()))} at the thread of a goroutine waiting in "
                f"pthread_cond_wait (inside runtime.cgocall): delivered {', '.join(_delivered(plain)) or 'nothing'} "
                f"on that thread; Notify got {got}")
    return Finding(refuted() if got != NOTHING else holds(), measured)


# --- one thread's mask (waiter_kill_vs_tgkill) ------------------------------------------------------


def judge_mask_per_thread(one_thread):
    """Holds when C's mask change shows on its thread only and a thread-directed SIGINT waits there."""
    start, aimed = one_thread.iloc[0], one_thread.iloc[1]
    n = int(start["threads blocking SIGINT"])
    measured = (f"after C's pthread_sigmask, {n} thread{'s' if n != 1 else ''} blocked SIGINT; tgkill at it: "
                f"SIGINT {'pending in its SigPnd' if aimed['SIGINT in its SigPnd'] else 'not pending'}; "
                f"kill(pid, SIGINT): {one_thread['program'].iloc[-1]}")
    return Finding(holds() if n == 1 and bool(aimed["SIGINT in its SigPnd"]) else refuted(), measured)


# --- C blocks signals on a spinning goroutine's thread (block_signals) ------------------------------


def _run(block, blocks, loop="no calls"):
    rows = block[(block["C blocks on the spinner's thread"] == blocks) & (block["spinner's loop"] == loop)]
    if rows.empty:
        raise KeyError(f"the evidence has no run with C blocking {blocks} and a loop with {loop}")
    return rows.iloc[0]


def _gc(block, blocks, loop="no calls"):
    r = _run(block, blocks, loop)
    return f"{blocks} blocked, loop with {loop}: GC {r['GC']}"


def _hangs(block, blocks, loop="no calls"):
    return _run(block, blocks, loop)["GC"] == STILL_WAITING


def judge_blocked_runtime_signals(block):
    """The article names SIGURG and SIGWINCH: holds for SIGURG only with a call-free loop, when that is what
    the runs show; holds outright if SIGWINCH also breaks it; refuted if nothing hangs."""
    measured = "; ".join([_gc(block, "nothing"), _gc(block, "SIGWINCH"), _gc(block, "SIGURG"),
                          _gc(block, "SIGURG", "calls a function")])
    if _hangs(block, "SIGWINCH"):
        return Finding(holds(), measured)
    if _hangs(block, "SIGURG") and not _hangs(block, "SIGURG", "calls a function"):
        return Finding(holds_only_when("the blocked signal is SIGURG (the runtime's preemption signal) and the "
                                       "goroutine on that thread runs a loop with no calls while the world must "
                                       "stop; SIGWINCH is not used by the runtime"), measured)
    if _hangs(block, "SIGURG"):
        return Finding(holds_only_when("the blocked signal is SIGURG; SIGWINCH is not used by the runtime"),
                       measured)
    return Finding(refuted(), measured)


def judge_block_all_panics(block):
    """Holds if blocking every signal printed "all goroutines are asleep"; otherwise refuted."""
    r = _run(block, "all")
    measured = (f"the spinner's thread blocked {r['signals blocked']} signals; after {block.attrs.get('hang', 1):g} s "
                f"it had {r['spinner pending (SigPnd)'] or 'nothing'} pending; GC {r['GC']}; printed a panic: "
                f"{'yes' if r['printed a panic'] else 'no'}; then {r['then']}")
    return Finding(holds() if r["all goroutines are asleep"] else refuted(), measured)


def _role(block, sig):
    roles = block.attrs["roles"].set_index("signal")
    return roles.loc[sig]


def judge_sigusr1_preempts(block):
    """Refuted when blocking SIGUSR1 leaves the GC working and the runtime's sigPreempt is another signal."""
    usr1 = _role(block, "SIGUSR1")
    measured = (f"{_gc(block, 'SIGUSR1')}; in the runtime's source SIGUSR1 is {usr1['sigtable flags']} and "
                f"sighandler calls {usr1['sighandler calls for it']} for it; sigPreempt is "
                f"{'SIGUSR1' if usr1['sigPreempt'] else 'another signal'}")
    if _hangs(block, "SIGUSR1") or bool(usr1["sigPreempt"]):
        return Finding(holds(), measured)
    return Finding(refuted(), measured)


def judge_sigurg_netpoll(block):
    """Refuted when the netpoller's source never names SIGURG and SIGURG is the preemption signal."""
    urg = _role(block, "SIGURG")
    measured = (f"netpoll_epoll.go names SIGURG: {'yes' if urg['named in netpoll_epoll.go'] else 'no'}; "
                f"sighandler calls {urg['sighandler calls for it']} for it (sigPreempt: "
                f"{'yes' if urg['sigPreempt'] else 'no'}); {_gc(block, 'SIGURG')}, which is a stop-the-world "
                f"waiting for a goroutine that cannot be preempted")
    if urg["named in netpoll_epoll.go"]:
        return Finding(holds(), measured)
    return Finding(refuted(), measured)


def judge_sigprof_pprof(block):
    """Holds when the runtime's sighandler hands SIGPROF to the profiler (read from the source)."""
    prof = _role(block, "SIGPROF")
    measured = (f"sighandler calls {prof['sighandler calls for it']} for SIGPROF ({prof['sigtable flags']}); "
                "read from the installed runtime's source")
    return Finding(holds() if "sigprof" in prof["sighandler calls for it"] else refuted(), measured)


# --- delve (article_dlv_commands) ------------------------------------------------------------------


def judge_dlv_dump(commands):
    """`goroutine N dump` showing C frames holds; if only `goroutine N bt` does, the claim holds for bt."""
    out = commands.set_index("command")["output"]
    listing = out.get("goroutines -u", "")
    dump = next((out[c] for c in out.index if re.fullmatch(r"goroutine \d+ dump", c)), "")
    bt = next((out[c] for c in out.index if re.fullmatch(r"goroutine \d+ bt", c)), "")
    listed = bool(re.search(r"Goroutine \d+ - User: \S+ C\.\S+ .*\(thread \d+\)", listing))
    dump_works, bt_works = "pthread_cond_wait" in dump, "pthread_cond_wait" in bt and "runtime.cgocall" in bt
    measured = (f"`goroutines -u` {'lists' if listed else 'does not list'} a goroutine at a C function with its "
                f"thread; `goroutine N dump` answers {dump.splitlines()[0] if dump else 'nothing'!r}; "
                f"`goroutine N bt` {'shows' if bt_works else 'does not show'} pthread_cond_wait down to "
                "runtime.cgocall")
    if listed and dump_works:
        return Finding(holds(), measured)
    if listed and bt_works:
        return Finding(holds_only_when("typed as `goroutine N bt`: `dump` writes a core file and needs a file "
                                       "name"), measured)
    return Finding(refuted(), measured)


# --- C handlers (sigaction_cases) ------------------------------------------------------------------


def judge_cgo_loses_signals(cases):
    """Holds only when a C handler that does not call Go's ran and Notify got nothing; refuted if none did."""
    swallowed = cases[(cases["C handler ran"].fillna(0) >= 1) & (cases["Notify got"] == NOTHING)
                      & (cases["ended"] == "exit 0")]
    names = ", ".join(f"{r.sample} ({r.runs} of {r.of} runs)" for r in swallowed.itertuples())
    measured = (f"SIGINT ran the C handler and never reached Notify in: {names or 'no case'}; "
                f"{len(cases)} outcomes over {cases['sample'].nunique()} ways of installing a C handler")
    if swallowed.empty:
        return Finding(refuted(), measured)
    chains = swallowed["calls Go's handler"].astype(bool)
    if chains.any():
        return Finding(holds(), measured)
    return Finding(holds_only_when("C code installs its own SIGINT handler that does not call the runtime's "
                                   "(a mask only delays a signal: it stays pending)"), measured)


CLAIMS = [
    Claim("ch3.cond-wait-blocks-signals",
          "pthread_cond_wait() 在进入等待前自动释放互斥锁并原子性地将线程置为休眠态,同时临时屏蔽 SIGUSR1 等非实时信号",
          "pthread_cond_wait blocks SIGUSR1 and other non-real-time signals while it waits", WAIT,
          judge_cond_wait_blocks),
    Claim("ch3.cond-wait-masks-rtmin",
          "线程在阻塞前已将 RTMIN/RT_1(对应 SIGRTMIN/SIGRTMAX)加入当前信号掩码,导致后续 kill -RTMIN $pid 无法唤醒线程",
          "Before sleeping, the waiter adds RTMIN/RT_1 to its mask, so kill -RTMIN cannot wake it", WAIT,
          judge_cond_wait_masks_rt),
    Claim("ch3.sigprocmask-per-thread", "sigprocmask 作用于当前 M",
          "sigprocmask from a cgo call changes the mask of the current M (its thread) only", ONE_THREAD,
          judge_mask_per_thread),
    Claim("ch3.blocking-sigurg-sigwinch-breaks-scheduler",
          "若错误地阻塞了 SIGURG、SIGWINCH 等运行时依赖信号,会破坏 Go 调度器与 M(OS 线程)间的协作机制",
          "Blocking SIGURG, SIGWINCH or other signals the runtime depends on breaks the cooperation between the "
          "scheduler and the M (the OS thread)", BLOCK, judge_blocked_runtime_signals, QUICK),
    Claim("ch3.block-all-all-goroutines-asleep",
          "调度器判定死锁 → panic: all goroutines are asleep",
          "Blocking every signal (sigfillset + sigprocmask) in a cgo call ends in the scheduler declaring a "
          "deadlock: 'panic: all goroutines are asleep'", BLOCK, judge_block_all_panics, QUICK),
    Claim("ch3.sigusr1-preemption-and-gc", "SIGUSR1 协程抢占与 GC 暂停 goroutine 永久挂起",
          "SIGUSR1 is the signal for goroutine preemption and GC: blocking it hangs goroutines forever", BLOCK,
          judge_sigusr1_preempts, QUICK),
    Claim("ch3.sigurg-netpoll", "SIGURG 网络轮询唤醒 netpoll hang",
          "SIGURG wakes the network poller: blocking it hangs netpoll", BLOCK, judge_sigurg_netpoll, QUICK),
    Claim("ch3.sigprof-pprof", "SIGPROF pprof 采样触发 性能分析失效",
          "SIGPROF triggers pprof's sampling", BLOCK, judge_sigprof_pprof, QUICK),
    Claim("ch3.signals-cannot-cross-cgocall",
          "当 Go 程序通过 cgo 调用 C 函数时,OS 信号(如 SIGPROF、SIGUSR1)可能无法穿透到 Go runtime 的 goroutine 调度层",
          "While a goroutine is in a C call, signals (SIGPROF, SIGUSR1) may not get through to the Go runtime",
          WAIT, judge_no_signal_through_cgocall),
    Claim("ch3.dlv-goroutine-dump-c-frames",
          "(dlv) goroutine 42 dump  # 对指定 goroutine 执行完整栈快照 …… 该命令强制捕获当前 goroutine 的完整调用链(含 C 帧)",
          "`goroutines -u` lists the goroutine stuck in C and `goroutine N dump` captures its whole call chain, "
          "C frames included", DLV, judge_dlv_dump),
    Claim("ch3.cgo-calls-lose-signals", "cgo调用导致信号丢失",
          "cgo calls make signals get lost (the chapter's title)", HANDLERS, judge_cgo_loses_signals,
          {"runs": 2}),
]

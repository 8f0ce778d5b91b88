"""Chapter 1's claims: what Ctrl+C does to a Go program.

Evidence: ctrl_c.scenario_runs() (one row per run of each scenario) and
ctrl_c.preemption_runs() (notify-spin under strace). The article's claim that the
runtime calls signal.enableSignal is judged with chapter 2's (ch2.runtime-calls-enablesignal). On a release other than the
notebook's, the runs are fewer (RUNS_ELSEWHERE) but still decide every verdict.
"""

from ..ctrl_c import scenarios as S
from ..ledger import Claim, Finding, holds, holds_only_when, not_reproduced, refuted

RUNS = "ctrl_c.scenario_runs"
PREEMPTION = "ctrl_c.preemption_runs"
KILLED = "killed by SIGINT"

# the scenarios the judges read, and how many runs decide them on another release
JUDGED = (S.SPIN, S.SLEEP, S.C_DEFAULT, S.EXIT, S.IGNORE, S.UNREAD, S.ONE_P, S.HELD, S.STALL)
RUNS_ELSEWHERE = {"scenarios": JUDGED, "repeat": 3, "timed": 3}
PREEMPTION_ELSEWHERE = {"repeat": 3}


def runs(table, title):
    """The rows of one scenario (one per run)."""
    sub = table[table["scenario"] == title]
    if sub.empty:
        raise KeyError(f"the evidence has no runs of {title!r}")
    return sub


def outcome(table, title):
    """'spin-no-notify: killed by SIGINT in 20 of 20 runs, median 0.7 ms, p90 1.1 ms after Ctrl+C'."""
    sub = runs(table, title)
    n = len(sub)
    parts = [f"{how} in {k} of {n} run{'s' if n > 1 else ''}" for how, k in sub["ended"].value_counts().items()]
    lat = sub["latency_ms"].dropna()
    if len(lat) == 1:
        parts.append(f"{_ms(lat.iloc[0])} after Ctrl+C")
    elif len(lat) > 1:
        parts.append(f"median {_ms(lat.median())}, p90 {_ms(lat.quantile(0.9))}, max {_ms(lat.max())} after Ctrl+C")
    return f"{sub['sample'].iloc[0]} ({sub['setting'].iloc[0] or 'default'}): " + ", ".join(parts)


def _ms(x):
    return f"{x:.2g} ms" if x < 10 else f"{x:.0f} ms"


def _span(values):
    """'1' or '1-3' for a few counts; '0' when there are none."""
    lo, hi = (int(values.min()), int(values.max())) if len(values) else (0, 0)
    return f"{lo}" if lo == hi else f"{lo}-{hi}"


def always(table, title, how):
    return bool((runs(table, title)["ended"] == how).all())


def ever(table, title, how):
    return bool((runs(table, title)["ended"] == how).any())


def judge_default(table):
    """Refuted when Go programs with no Notify (a spinner, the article's sleep loop) never survive Ctrl+C."""
    measured = f"{outcome(table, S.SPIN)}; {outcome(table, S.SLEEP)}"
    survived = ever(table, S.SPIN, "survived") or ever(table, S.SLEEP, "survived")
    return Finding(holds() if survived else refuted(), measured)


def judge_default_action(table):
    """The default action for SIGINT is not an exit(130): refuted when a C program with no handler is
    killed by the signal (a wait status with no exit code), holds when it exits 130."""
    measured = f"{outcome(table, S.C_DEFAULT)}; the Go spinner with no Notify: {outcome(table, S.SPIN)}"
    if always(table, S.C_DEFAULT, KILLED):
        return Finding(refuted(), measured + "; a shell prints 128+2 = 130 for a death by SIGINT, the process "
                                             "itself exits with no status")
    if always(table, S.C_DEFAULT, "exit 130"):
        return Finding(holds(), measured)
    return Finding(not_reproduced("a C program with no handler ended neither way in every run"), measured)


def judge_queued(table):
    """Refuted when the no-Notify programs are killed by SIGINT in every run."""
    measured = f"{outcome(table, S.SLEEP)}; {outcome(table, S.SPIN)}"
    dead = always(table, S.SLEEP, KILLED) and always(table, S.SPIN, KILLED)
    return Finding(refuted() if dead else holds(), measured)


def judge_compute_loop(table):
    """A pure computation loop holds SIGINT back: refuted for a program without Notify; where runs really
    held it (Notify, the loop holds the only P, no async preemption), it holds only under that."""
    spin = outcome(table, S.SPIN)
    if ever(table, S.SPIN, "survived"):
        return Finding(holds(), spin)
    measured = (f"{spin}; {outcome(table, S.ONE_P)}; {outcome(table, S.HELD)} (each run waited "
                f"{S.wait_of(S.HELD):g} s); {outcome(table, S.STALL)}")
    if always(table, S.HELD, "survived"):
        condition = "the program uses Notify, the loop holds the only P and async preemption is off (then the " \
                    "receive never came)"
        if held_back_by_gc(table):
            condition += ", or a GC waits for such a loop (then the receive waits for the loop)"
        return Finding(holds_only_when(condition), measured)
    return Finding(refuted(), measured)


def held_back_by_gc(table, factor=10):
    """True when the spinner + GC runs' median receive took over `factor` times the plain Notify runs'."""
    stall = runs(table, S.STALL)["latency_ms"].dropna()
    plain = runs(table, S.EXIT)["latency_ms"].dropna()
    return bool(len(stall) and len(plain) and stall.median() > factor * plain.median())


def judge_cooperative(pre):
    """Refuted when a loop with no calls lost its P to async preemption (the receiver ran, SIGURG was
    delivered); holds when the receiver never ran with async preemption on."""
    on, off = pre[pre["setting"] == "async preemption on (default)"], pre[pre["setting"] == "GODEBUG=asyncpreemptoff=1"]
    n_on, got_on = len(on), int(on["received"].sum())
    urg = on.loc[on["received"], "SIGURG"]
    measured = (f"notify-spin, GOMAXPROCS=1, a call-free loop: the receiver ran in {got_on} of {n_on} runs, with "
                f"{_span(urg)} SIGURG delivered per run (strace); "
                f"with asyncpreemptoff=1: {int(off['received'].sum())} of {len(off)} runs, "
                f"{int(off['SIGURG'].sum())} SIGURG")
    if got_on == 0:
        return Finding(holds(), measured)
    if (urg > 0).all():
        return Finding(refuted(), measured + ": preemption is cooperative only when async preemption is off")
    return Finding(not_reproduced("the loop lost its P, but strace saw no SIGURG in every such run"), measured)


def judge_infinite_loop(table):
    """Refuted when a Go infinite loop with no signal handling dies on Ctrl+C in every run."""
    measured = outcome(table, S.SPIN)
    return Finding(refuted() if always(table, S.SPIN, KILLED) else holds(), measured)


def judge_ignore(table):
    """Holds when Ignore makes the program survive every Ctrl+C."""
    measured = outcome(table, S.IGNORE)
    return Finding(holds() if always(table, S.IGNORE, "survived") else refuted(), measured)


def judge_notify(table):
    """Notify + <-c works when a goroutine receives; with nobody receiving it only holds conditionally."""
    measured = f"{outcome(table, S.EXIT)}; {outcome(table, S.UNREAD)}"
    if not always(table, S.EXIT, "exit 130"):
        return Finding(refuted(), measured)
    if ever(table, S.UNREAD, "survived"):
        return Finding(holds_only_when("a goroutine receives from c (with nobody receiving, Ctrl+C did nothing)"),
                       measured)
    return Finding(holds(), measured)


CLAIMS = [
    Claim("ch1.no-notify-ignores-ctrl-c", "Go程序在默认情况下无法响应Ctrl+C中断信号",
          "A Go program does not respond to Ctrl+C by default", RUNS, judge_default, RUNS_ELSEWHERE),
    Claim("ch1.default-action-is-exit-130", "传统Unix进程对SIGINT的默认终止行为(即_exit(128 + SIGINT))",
          "The traditional Unix default action for SIGINT is _exit(128 + SIGINT)", RUNS, judge_default_action,
          RUNS_ELSEWHERE),
    Claim("ch1.sigint-queued-for-scheduler",
          "即使未显式调用signal.NotifySIGINT也不会导致进程立即退出——它被静默捕获并交由Go调度器排队处理",
          "Even without signal.Notify, SIGINT does not end the process: it is caught silently and queued "
          "for the scheduler", RUNS, judge_queued, RUNS_ELSEWHERE),
    Claim("ch1.preemption-cooperative-only",
          "Go的抢占机制依赖于协作式调度:仅在函数调用、通道操作、垃圾回收标记点等安全点触发调度",
          "Go's preemption relies on cooperative scheduling: it happens only at safe points such as function "
          "calls, channel operations and GC marking points", PREEMPTION, judge_cooperative, PREEMPTION_ELSEWHERE),
    Claim("ch1.compute-loop-holds-sigint",
          "若替换为纯计算循环(如for i := 0; i < 1<<30; i++ {}),则SIGINT将被挂起,直至下一次调度检查点——这可能长达数秒甚至更久",
          "In a pure computation loop (such as for i := 0; i < 1<<30; i++ {}) SIGINT is held until the next "
          "scheduling point, possibly for seconds or longer", RUNS, judge_compute_loop, RUNS_ELSEWHERE),
    Claim("ch1.infinite-loop-needs-kill", "无任何信号处理的无限循环 无法响应Ctrl+C,需强制kill",
          "An infinite loop with no signal handling cannot respond to Ctrl+C and must be killed", RUNS,
          judge_infinite_loop, RUNS_ELSEWHERE),
    Claim("ch1.ignore-discards", "signal.Ignore(os.Interrupt) 彻底丢弃信号,失去中断能力",
          "signal.Ignore(os.Interrupt) discards the signal: the program can no longer be interrupted", RUNS,
          judge_ignore, RUNS_ELSEWHERE),
    Claim("ch1.notify-simple-reliable", "signal.Notify(c, os.Interrupt); <-c 简洁可靠,适用于简单服务",
          "signal.Notify(c, os.Interrupt); <-c is simple and reliable", RUNS, judge_notify, RUNS_ELSEWHERE),
]

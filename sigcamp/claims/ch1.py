"""Chapter 1's claims: what Ctrl+C does to a Go program. Evidence: ctrl_c.scenario_table()."""

from ..ledger import Claim, Finding, holds, holds_only_when, refuted

TABLE = "ctrl_c.scenario_table"


def runs(table, title):
    """The rows of one scenario (one per run)."""
    sub = table[table["scenario"] == title]
    if sub.empty:
        raise KeyError(f"the evidence has no runs of {title!r}")
    return sub


def outcome(table, title):
    """'killed by SIGINT in 3 of 3 runs, 0.6-0.9 ms after Ctrl+C' for one scenario."""
    sub = runs(table, title)
    counts = sub["ended"].value_counts()
    parts = [f"{how} in {n} of {len(sub)} run{'s' if len(sub) > 1 else ''}" for how, n in counts.items()]
    lat = sub["latency_ms"].dropna()
    if len(lat):
        span = f"{lat.min():.1f} ms" if len(lat) == 1 else f"{lat.min():.1f}-{lat.max():.1f} ms"
        parts.append(f"{span} after Ctrl+C")
    return f"{sub['sample'].iloc[0]}: " + ", ".join(parts)


def always(table, title, how):
    sub = runs(table, title)
    return bool((sub["ended"] == how).all())


def never_survives(table, title):
    return not (runs(table, title)["ended"] == "survived").any()


SPIN = "no Notify, spinning in for {}"
SLEEP = "the article's example: no Notify, time.Sleep loop"
HELD = "Notify, GOMAXPROCS=1, spins, no async preemption"
EXIT = "signal.Notify, then exit 130"
UNREAD = "Notify, but nobody reads the channel"
IGNORE = "signal.Ignore(os.Interrupt)"


def judge_default(table):
    """Refuted when a Go program with no Notify never survives Ctrl+C."""
    measured = outcome(table, SPIN)
    return Finding(refuted() if never_survives(table, SPIN) else holds(), measured)


def judge_queued(table):
    """Refuted when the no-Notify sleep loop is killed by SIGINT in every run."""
    measured = outcome(table, SLEEP)
    return Finding(refuted() if always(table, SLEEP, "killed by SIGINT") else holds(), measured)


def judge_compute_loop(table):
    """A pure computation loop holds SIGINT back: refuted for a program without Notify; where a run
    really held it (Notify + the only P + no async preemption), the claim holds only under that."""
    spin = outcome(table, SPIN)
    if not never_survives(table, SPIN):
        return Finding(holds(), spin)
    held = (runs(table, HELD)["ended"] == "survived").any()
    if held:
        return Finding(holds_only_when("the program uses Notify and its spinner holds the only P with async "
                                       f"preemption off ({outcome(table, HELD)})"), spin)
    return Finding(refuted(), f"{spin}; {outcome(table, HELD)}")


def judge_ignore(table):
    """Holds when Ignore makes the program survive every Ctrl+C."""
    measured = outcome(table, IGNORE)
    return Finding(holds() if always(table, IGNORE, "survived") else refuted(), measured)


def judge_notify(table):
    """Notify + <-c works when a goroutine receives; with nobody receiving it only holds conditionally."""
    ok = always(table, EXIT, "exit 130")
    measured = f"{outcome(table, EXIT)}; {outcome(table, UNREAD)}"
    if not ok:
        return Finding(refuted(), measured)
    if (runs(table, UNREAD)["ended"] == "survived").any():
        return Finding(holds_only_when("a goroutine receives from c (with nobody receiving, Ctrl+C did nothing)"),
                       measured)
    return Finding(holds(), measured)


CLAIMS = [
    Claim("ch1.no-notify-ignores-ctrl-c", "Go程序在默认情况下无法响应Ctrl+C中断信号",
          "A Go program does not respond to Ctrl+C by default", TABLE, judge_default),
    Claim("ch1.sigint-queued-for-scheduler",
          "即使未显式调用signal.Notify,SIGINT也不会导致进程立即退出——它被静默捕获并交由Go调度器排队处理",
          "Even without signal.Notify, SIGINT does not end the process: it is caught silently and queued "
          "for the scheduler", TABLE, judge_queued),
    Claim("ch1.compute-loop-holds-sigint",
          "若替换为纯计算循环,则SIGINT将被挂起,直至下一次调度检查点——这可能长达数秒甚至更久",
          "In a pure computation loop SIGINT is held until the next scheduling point, possibly for seconds or "
          "longer", TABLE, judge_compute_loop),
    Claim("ch1.ignore-discards", "signal.Ignore(os.Interrupt):彻底丢弃信号,失去中断能力",
          "signal.Ignore(os.Interrupt) discards the signal: the program can no longer be interrupted", TABLE,
          judge_ignore),
    Claim("ch1.notify-simple-reliable", "signal.Notify(c, os.Interrupt); <-c:简洁可靠,适用于简单服务",
          "signal.Notify(c, os.Interrupt); <-c is simple and reliable", TABLE, judge_notify),
]

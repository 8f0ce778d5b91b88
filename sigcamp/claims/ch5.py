"""Chapter 5's claims: signals in production services, systemd, system calls, namespaces, Windows.

Each judge reads only what its experiment returned (see each experiment's docstring).
"""

from ..ledger import Claim, Finding, holds, holds_only_when, not_reproduced, refuted

GRACE, INTERRUPT_ONLY = "SIGTERM, grace 5 s", "Notify(os.Interrupt) only, SIGTERM"
SHORT, NO_WAIT = "Ctrl+C, grace 100 ms < handlers", "main returns when Serve returns"
SHUTDOWN_ARGS = {"scenario_titles": (GRACE, SHORT, INTERRUPT_ONLY, NO_WAIT), "inflight": 4, "late": 2,
                 "handler_ms": 400}


def _conn_readers(d):
    g = d.goroutines
    return int(((g["state"] == "IO wait") & g["stack"].str.contains(r"net\.\(\*conn\)\.Read", regex=True)).sum())


def judge_usr1_dump(d):
    """Holds when the dump came back, the service lived on, and every idle connection's reader is in it."""
    readers = _conn_readers(d)
    measured = (f"SIGUSR1 → goroutine dump {d.timings['goroutines']:.1f} ms later: {len(d.goroutines)} goroutines, "
                f"{readers} of the {d.conns} connection readers in IO wait under net.(*conn).Read; the service "
                f"{'kept running' if d.alive_after else 'died'}")
    ok = d.alive_after and readers == d.conns
    return Finding(holds() if ok else refuted(), measured)


def judge_zero_intrusion(d):
    """'Zero-intrusion' is refuted when the goroutine dump stopped the world (runtime.Stack(all) does)."""
    n, max_us = d.stw.get("goroutines", (0, 0))
    measured = (f"the goroutine dump stopped the world {n} time(s), the longest ≤ {max_us / 1000:.2f} ms "
                f"({len(d.goroutines)} goroutines; the pause grows with their number); the service "
                f"{'kept running' if d.alive_after else 'died'}")
    if not d.alive_after:
        return Finding(refuted(), measured)
    return Finding(refuted() if n > 0 else holds(), measured)


def judge_heap_profile(d):
    """Holds when the profile's top entry is the cache builder, within 2x of the cache's real size."""
    if d.heap.empty:
        return Finding(refuted(), "SIGUSR2 wrote no readable heap profile")
    top = d.heap.iloc[0]
    true = d.cache_mib * 2**20
    measured = (f"SIGUSR2 → heap profile {d.timings['heap']:.1f} ms later; go tool pprof -top: {top['function']} "
                f"{top['flat_bytes'] / 2**20:.1f} MiB (the cache really holds {d.cache_mib} MiB; the profile samples)")
    ok = str(top["function"]).startswith("main.fillCache") and 0.5 * true <= top["flat_bytes"] <= 2 * true
    return Finding(holds() if ok else refuted(), measured)


def _row(evidence, title):
    """One scenario's summary row; evidence is what shutdown.scenario_table returned ((summary, runs))."""
    table = evidence[0] if isinstance(evidence, tuple) else evidence
    sub = table[table["scenario"] == title]
    if sub.empty:
        raise KeyError(f"the shutdown evidence has no scenario {title!r}")
    return sub.iloc[0]


def _lost(row):
    return f"{row['ended']}, {row['answered']} of {row['in flight']} in-flight requests answered"


def judge_interrupt_under_systemd(table):
    """systemd stops with SIGTERM: refuted when a program that Notify's only os.Interrupt loses requests to it."""
    only, both = _row(table, INTERRUPT_ONLY), _row(table, GRACE)
    measured = (f"systemd stops a unit with SIGTERM (KillSignal=). Only os.Interrupt Notify'd, then SIGTERM: "
                f"{_lost(only)}; SIGINT and SIGTERM Notify'd: {_lost(both)}")
    return Finding(refuted() if only["lost"] > 0 else holds(), measured)


def judge_shutdown_hook(table):
    """SIGTERM → Shutdown with a deadline → exit: holds only when main waits for Shutdown (measured both ways)."""
    grace, nowait, short = _row(table, GRACE), _row(table, NO_WAIT), _row(table, SHORT)
    measured = (f"SIGTERM, Shutdown awaited: {_lost(grace)}; deadline shorter than the handlers: {_lost(short)}; "
                f"main returning as soon as Serve returns: {_lost(nowait)}")
    if grace["lost"] > 0:
        return Finding(refuted(), measured)
    if nowait["lost"] > 0:
        return Finding(holds_only_when("main waits for Shutdown to return, with a deadline longer than the "
                                       "handlers"), measured)
    return Finding(holds(), measured)


def judge_watchdog(modes):
    """An independent ticker keeps feeding the watchdog of a hung service: refuted when it caused no timeout."""
    health, ticker = modes["health"], modes["ticker"]
    t_timeouts = int((ticker["event"] == "watchdog timeout").sum())
    h_timeouts = int((health["event"] == "watchdog timeout").sum())
    status = ticker.loc[ticker["event"] == "WATCHDOG=1", "status"]
    frozen = int((status == status.iloc[-1]).sum()) if len(status) else 0
    measured = (f"independent ticker: the worker hung and the pings went on ({frozen} pings carried the frozen "
                f"STATUS '{status.iloc[-1] if len(status) else ''}'), {t_timeouts} watchdog timeouts; pings gated on "
                f"the worker's mutex: {h_timeouts} timeouts, each answered with SIGABRT and a restart "
                f"({int(health['instance'].max())} instances). The 99.999% is a fleet figure: not measurable here")
    if t_timeouts == 0 and h_timeouts > 0:
        return Finding(refuted(), measured)
    if t_timeouts > 0:
        return Finding(holds(), measured)
    return Finding(not_reproduced("neither way of pinging let the watchdog run out"), measured)


def _regs(levels, failure, level):
    sub = levels[(levels["failure"] == failure) & (levels["GOTRACEBACK"] == level)]
    return int(sub["register dumps"].iloc[0]) if len(sub) else 0


def judge_gotraceback_2(levels):
    """GOTRACEBACK=2 and registers: measured for a panic and for SIGQUIT, at 2 and at none."""
    panic2, quit2, quit_none = _regs(levels, "panic", "2"), _regs(levels, "SIGQUIT", "2"), _regs(levels, "SIGQUIT", "none")
    crash = _regs(levels, "SIGQUIT", "crash")
    measured = (f"register dumps: panic at GOTRACEBACK=2: {panic2}; SIGQUIT at 2: {quit2}, at none: {quit_none}; "
                f"SIGQUIT at crash: {crash} (one per thread)")
    if panic2 > 0 and quit2 > 0:
        return Finding(holds(), measured)
    if quit2 > 0:
        cond = "the program dies of a signal such as SIGQUIT" + (", and then at every level, none included"
                                                                  if quit_none > 0 else "")
        return Finding(holds_only_when(cond + "; only crash dumps every thread's registers"), measured)
    return Finding(refuted(), measured)


def judge_eagain(reads):
    """The advice to lock a thread and add edge-triggered epoll is refuted when os.Pipe's reader got EAGAIN and
    the runtime parked it (no thread in read(2), data delivered without an error)."""
    pipe = reads.set_index("reader").loc["os.Pipe read"]
    parked = pipe["read returned EAGAIN"] >= 1 and str(pipe["Go code got"]).endswith("err <nil>")
    measured = (f"os.Pipe's reader: read(2) returned EAGAIN {pipe['read returned EAGAIN']} time(s), then the goroutine "
                f"waited in the netpoller with no thread in read(2) and got '{pipe['Go code got']}'; the runtime's "
                f"epoll registration uses EPOLLET: {reads.attrs.get('netpoll uses EPOLLET')}")
    return Finding(refuted() if parked else holds(), measured)


def judge_peer_pid(peer):
    """SO_PEERPID on Linux: holds if Go's syscall package (or Python's socket module) has it."""
    p = peer.set_index("option")
    has = bool(p.loc["SO_PEERPID"].any())
    measured = ("SO_PEERPID exists here" if has else
                "SO_PEERPID is in neither Python's socket module nor Go's syscall package on Linux") + \
        ("; Linux has SO_PEERCRED and SCM_CREDENTIALS (the supervisor names every datagram's sender with it)"
         if p.loc["SO_PEERCRED"].all() else "")
    return Finding(holds() if has else refuted(), measured)


def judge_setns(ns):
    """setns(CLONE_NEWPID) from Go: holds only for the children of the thread that called it."""
    f = ns.attrs["facts"]
    measured = (f"setns(CLONE_NEWPID): {f['pid_setns']}; own PID unchanged: {f['own_pid_unchanged']}; a shell "
                f"started from that thread is PID {f['same_thread_child_pid']} in the container, one from another "
                f"thread PID {f['other_thread_child_pid']} on the host; /proc/1 is still {f['proc1']}; "
                f"setns(CLONE_NEWNS): {f['mnt_setns']}, setns(CLONE_NEWUSER): {f['user_setns']} "
                f"({f['threads']} threads); nsenter --mount: {f['nsenter_mnt']}")
    if f["pid_setns"] != "ok":
        return Finding(refuted(), measured)
    if f["own_pid_unchanged"] and f["same_thread_child_in_target"] and not f["other_thread_child_in_target"]:
        return Finding(holds_only_when("the agent starts children afterwards from the thread that called setns: "
                                       "its own PID and /proc do not change (as the host's root it reads "
                                       "/proc/<pid>/fd without any setns)"), measured)
    return Finding(holds(), measured)


def judge_epoll_loop(loop):
    """A C epoll loop on a Go thread keeps working alongside Go's signals only if it retries EINTR."""
    rows = loop.set_index("setup")
    retry = rows.loc["no Notify, loop retries on EINTR"]
    gives_up = rows.loc["no Notify, loop gives up on EINTR"]
    notify = rows.loc["Notify(SIGINT, SIGUSR1), loop retries on EINTR"]
    ctrl_c_ok = all(str(r["Ctrl+C"]).endswith(("killed by SIGINT", "exit 130")) for _, r in loop.iterrows())
    measured = (f"SIGUSR1 aimed at the loop's thread: {retry['EINTR from them']} EINTRs from epoll_wait with no "
                f"Notify (Go's handler ran and ignored it), {notify['EINTR from them']} with Notify; a loop that "
                f"gives up on EINTR: {gives_up['loop afterwards']}; GC meanwhile caused "
                f"{int(loop['EINTR in quiet_s of GC'].sum())} EINTRs; Ctrl+C: "
                + ", ".join(sorted(set(loop["Ctrl+C"].astype(str)))) +
                ". The 3.2x QPS and 42→11 ms P99 need the article's gateway and load: not reproduced here")
    if not ctrl_c_ok:
        return Finding(refuted(), measured)
    if retry["EINTR from them"] > 0:
        return Finding(holds_only_when("the C loop retries epoll_wait on EINTR: every signal handled on its "
                                       "thread interrupts it, SA_RESTART or not"), measured)
    return Finding(holds(), measured)


def judge_oom(mem):
    """OOMScoreAdjust / MemoryMax with a Go service: what a cgroup memory limit does to it."""
    if "not run" in mem.columns and mem["not run"].notna().all():
        return Finding(not_reproduced(f"no memory cgroup could be made: {mem['not run'].iloc[0]}"),
                       "nothing ran")
    off = mem[mem["GOMEMLIMIT"] == "off"].iloc[0]
    lim = mem[mem["GOMEMLIMIT"] != "off"].iloc[0]
    measured = (f"limit {off['limit (MiB)']} MiB (cgroup {off['cgroup']}), GOGC=off: no GOMEMLIMIT → {off['ended']} "
                f"after {off['allocated (MiB)']} MiB, SIGTERM handler ran: {off['SIGTERM handler ran']}; "
                f"GOMEMLIMIT={lim['GOMEMLIMIT']} → {lim['ended']} after {lim['allocated (MiB)']} MiB "
                f"({lim['GCs']} GCs); oom_score_adj {off['oom_score_adj asked']}: {off['writing it']}")
    if off["ended"] == "killed by SIGKILL" and not off["SIGTERM handler ran"]:
        return Finding(holds_only_when("the Go side acts before the limit (GOMEMLIMIT under MemoryMax): the "
                                       "OOM kill is SIGKILL, which no Go code sees"), measured)
    return Finding(not_reproduced("the program was not OOM-killed under its limit"), measured)


def judge_windows(win):
    """Windows console events give 'the same interrupt handling as Linux' only for Ctrl+C / Ctrl+Break."""
    terms = win.groupby("os/signal delivers")["event"].apply(lambda s: ", ".join(s)).to_dict()
    sends = win.attrs.get("sigsend calls", 0)
    measured = (f"from the runtime's source (not run here): {terms.get('SIGINT', 'nothing')} → os.Interrupt; "
                f"{terms.get('SIGTERM', 'nothing')} → syscall.SIGTERM; {sends} sigsend call(s) in the Windows "
                "runtime, so no SIGUSR1, SIGUSR2 or SIGQUIT ever arrives")
    brk = win[win["event"] == "CTRL_BREAK_EVENT"]
    if brk.empty or brk["os/signal delivers"].iloc[0] != "SIGINT":
        return Finding(refuted(), measured)
    if sends <= 1:
        return Finding(holds_only_when("the signal is os.Interrupt (Ctrl+C, Ctrl+Break)"), measured)
    return Finding(holds(), measured)


DUMPS = "dumps.on_signals"
CLAIMS = [
    Claim("ch5.usr1-dump-finds-blocked-reads",
          "通过 kill -USR1 <pid> 触发自定义信号处理,唤醒内置的实时诊断协程,捕获到数千个阻塞在 net.Conn.Read() 的 goroutine",
          "kill -USR1 <pid> wakes a built-in diagnostic goroutine, which catches the goroutines blocked in "
          "net.Conn.Read()", DUMPS, judge_usr1_dump),
    Claim("ch5.usr-signals-zero-intrusion",
          "Go 程序可通过 signal.Notify 注册 syscall.SIGUSR1 和 syscall.SIGUSR2 实现零侵入式诊断开关",
          "signal.Notify for SIGUSR1 and SIGUSR2 makes a zero-intrusion diagnostic switch", DUMPS,
          judge_zero_intrusion),
    Claim("ch5.usr2-heap-profile", "case syscall.SIGUSR2: dumpHeapProfile() // 写入 /tmp/heap.pprof",
          "SIGUSR2 writes a heap profile", DUMPS, judge_heap_profile),
    Claim("ch5.gotraceback-2-registers", "GOTRACEBACK=2 显示完整寄存器状态",
          "GOTRACEBACK=2 shows the full register state", "dumps.traceback_levels", judge_gotraceback_2,
          {"levels": ("none", "2", "crash")}),
    Claim("ch5.interrupt-graceful-under-systemd", "RestartSec=5 | os.Interrupt 信号触发优雅关闭",
          "Under systemd (RestartSec=5), os.Interrupt triggers the graceful shutdown", "shutdown.scenario_table",
          judge_interrupt_under_systemd, SHUTDOWN_ARGS),
    Claim("ch5.sigterm-shutdown-hook",
          "收到 SIGTERM → 执行 shutdown hook → 等待 15s 或所有 http.Server.Shutdown 完成 → 调用 syscall.Exit",
          "SIGTERM → shutdown hook → wait 15 s or until http.Server.Shutdown completes → syscall.Exit",
          "shutdown.scenario_table", judge_shutdown_hook, SHUTDOWN_ARGS),
    Claim("ch5.watchdog-independent-goroutine",
          "WatchdogSec=30 | 启动独立 goroutine 发送 sd_notify(\"WATCHDOG=1\") | 服务存活率提升至 99.999%",
          "WatchdogSec=30: an independent goroutine sends sd_notify(\"WATCHDOG=1\"); availability rose to 99.999%",
          "supervisor.watchdog_modes", judge_watchdog, {"hang_after": 3, "health_s": 1.6, "ticker_s": 1.2}),
    Claim("ch5.eagain-lockosthread-epollet",
          "对 syscall.EAGAIN 或 syscall.EWOULDBLOCK 不再简单重试,而是结合 runtime.LockOSThread() 绑定到专用 OS 线程,"
          "并注入 epoll 边缘触发模式回调",
          "Do not simply retry EAGAIN/EWOULDBLOCK: lock a dedicated OS thread and add an edge-triggered epoll "
          "callback", "eintr.go_reads", judge_eagain, {"per_thread": 10, "kills": 10}),
    Claim("ch5.cgo-epoll-event-loop",
          "当需要绕过 Go runtime 的网络栈限制时,直接调用 epoll_wait 实现自定义事件循环 ... 单机 QPS 提升 3.2 倍",
          "To get past the runtime's network stack, call epoll_wait through cgo in a custom event loop (QPS x3.2)",
          "epoll_loop.run", judge_epoll_loop, {"quiet_s": 0.3, "aimed": 3, "to_process": 3}),
    Claim("ch5.oom-score-memorymax",
          "OOMScoreAdjust=-900 | 主动监控 /sys/fs/cgroup/memory/... | OOM kill 触发率下降 92%",
          "OOMScoreAdjust=-900, the Go side watching /sys/fs/cgroup/memory/...: OOM kills down 92%",
          "memlimit.run", judge_oom),
    Claim("ch5.setns-pid-namespace",
          "通过 unix.Syscall 调用 setns(2) 切换到目标容器的 PID namespace,再读取 /proc/<pid>/fd/ 下的 socket 文件描述符",
          "The agent calls setns(2) through unix.Syscall to switch into the container's PID namespace, then reads "
          "the sockets under /proc/<pid>/fd/", "namespaces.setns_join", judge_setns),
    Claim("ch5.so-peerpid", "结合 getsockopt(fd, SOL_SOCKET, SO_PEERPID) 反向解析出原始进程信息",
          "getsockopt(fd, SOL_SOCKET, SO_PEERPID) names the peer process", "systems.peer_pid_options",
          judge_peer_pid),
    Claim("ch5.windows-ctrl-break",
          "Windows 上通过 windows.GenerateConsoleCtrlEvent(windows.CTRL_BREAK_EVENT, 0) 模拟 POSIX 信号语义,"
          "实现与 Linux 行为一致的中断处理流程",
          "On Windows, GenerateConsoleCtrlEvent(CTRL_BREAK_EVENT, 0) gives the same interrupt handling as Linux",
          "systems.windows_console_events", judge_windows),
]

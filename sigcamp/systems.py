"""Chapter 5: from signal debugging to systems programming; the source evidence and the claims.

The live experiments live in `dumps`, `shutdown`, `supervisor` and `eintr`;
this module reads the installed GOROOT for what cannot run here (Windows
console events) and builds the article-versus-measurement table from them.
"""

import re
import socket

import pandas as pd

from . import toolchain

_FUNC = re.compile(r"^func (?:\([^)]*\) )?(\w+)")


def source_lines(path, pattern, *, after=0):
    """Lines of $GOROOT/src/`path` matching the regular expression, with `after` lines following each.

    One row per line: file, line, in_function, text (tabs expanded); a match and its followers share `match`.
    """
    full = toolchain.go().goroot / "src" / path
    if not full.is_file():
        raise FileNotFoundError(f"{full} does not exist in the installed Go; is GOROOT complete?")
    lines = full.read_text(errors="replace").splitlines()
    funcs, current = [], ""
    for text in lines:
        m = _FUNC.match(text)
        current = m.group(1) if m else current
        funcs.append(current)
    rows, pat = [], re.compile(pattern)
    for i, text in enumerate(lines):
        if pat.search(text):
            for j in range(i, min(i + after + 1, len(lines))):
                rows.append({"file": path, "line": j + 1, "match": i + 1, "in_function": funcs[j],
                             "text": lines[j].expandtabs(4).rstrip()})
    return pd.DataFrame(rows, columns=["file", "line", "match", "in_function", "text"])


def function_source(path, name, *, comment=False):
    """The full text of `func name(` in $GOROOT/src/`path`, up to its closing brace (with its doc comment)."""
    lines = (toolchain.go().goroot / "src" / path).read_text().splitlines()
    start = next((i for i, t in enumerate(lines) if re.match(rf"func (\([^)]*\) )?{re.escape(name)}[\[(]", t)), None)
    if start is None:
        raise LookupError(f"no func {name} in $GOROOT/src/{path}")
    end = next(i for i in range(start, len(lines)) if lines[i] == "}")
    while comment and start > 0 and lines[start - 1].startswith("//"):
        start -= 1
    return "\n".join(lines[start:end + 1])


def windows_console_events():
    """How the installed runtime turns Windows console control events into signals (not run here).

    Read from ctrlHandler in runtime/os_windows.go and the constants in
    internal/runtime/syscall/windows: one row per event.
    """
    body = function_source("runtime/os_windows.go", "ctrlHandler")
    consts = source_lines("internal/runtime/syscall/windows/defs_windows.go", r"CTRL_\w+_EVENT\s*=")
    values = {m.group(1): int(m.group(2), 0) for m in
              (re.search(r"(CTRL_\w+_EVENT)\s*=\s*(\w+)", t) for t in consts["text"]) if m}
    rows = []
    for case in re.finditer(r"case ([^:]+):\s*\n\s*s = windows\.(SIG\w+)", body):
        for event in re.findall(r"windows\.(CTRL_\w+_EVENT)", case.group(1)):
            rows.append({"event": event, "value": values.get(event), "os/signal delivers": case.group(2),
                         "as": "os.Interrupt" if case.group(2) == "SIGINT" else "syscall.SIGTERM"})
    blocks = "block()" in body
    sends = sum(len(re.findall(r"\bsigsend\(", f.read_text())) for f in
                (toolchain.go().goroot / "src" / "runtime").glob("*windows*.go") if not f.name.endswith("_test.go"))
    df = pd.DataFrame(rows)
    df["after the handler returns"] = df["os/signal delivers"].map(
        {"SIGINT": "if Notify'd: the program goes on; if not, the next handler (the default) ends it",
         "SIGTERM": "Windows ends the process; the runtime blocks the handler so Go code can clean up first"
         if blocks else "Windows ends the process"})
    df.attrs.update(source=body, **{"sigsend calls": sends})
    return df


def peer_pid_options():
    """Which peer-credential socket options exist on this system (Python's socket module and Go's syscall)."""
    go = source_lines("syscall/zerrors_linux_amd64.go", r"\bSO_(PEER|PASS)\w*\s*=")
    go_names = {re.search(r"(SO_\w+)", t).group(1) for t in go["text"]}
    rows = []
    for name in ("SO_PEERPID", "SO_PEERCRED", "SO_PASSCRED", "SO_PEERSEC"):
        rows.append({"option": name, "Python socket": hasattr(socket, name),
                     "Go syscall (linux/amd64)": name in go_names})
    return pd.DataFrame(rows)


def _ms(x):
    return f"{x:.0f} ms"


def claims(*, dumps, usr1_default, shutdown, watchdog, go_reads, cgo_reads, windows, peer):
    """The article's chapter 5 claims beside what the notebook measured.

    dumps: dumps.on_signals(); usr1_default: the Outcome of a program without
    Notify sent SIGUSR1; shutdown: shutdown.scenario_table()[0]; watchdog:
    {"health": ..., "ticker": ...} from supervisor.supervise(); go_reads and
    cgo_reads: eintr.go_reads() of the pure Go and the cgo sample; windows:
    windows_console_events(); peer: peer_pid_options().
    """
    g = dumps.goroutines
    io_wait = g[g["state"] == "IO wait"]
    conn_reads = int(io_wait["stack"].str.contains(r"net\.\(\*conn\)\.Read", regex=True).sum())
    locked = int(g["locked"].sum())
    top = dumps.heap.iloc[0]

    def sh(title):
        row = shutdown[shutdown["scenario"] == title].iloc[0]
        return f"{row['ended']}, {row['answered']} of {row['in flight']} in-flight requests answered"

    health, ticker = watchdog["health"], watchdog["ticker"]
    h_timeouts = int((health["event"] == "watchdog timeout").sum())
    h_starts = int(health["instance"].max())
    t_timeouts = int((ticker["event"] == "watchdog timeout").sum())
    t_status = ticker.loc[ticker["event"] == "WATCHDOG=1", "status"]
    frozen = t_status.iloc[-1] if len(t_status) else "?"
    frozen_pings = int((t_status == frozen).sum())
    pipe = go_reads.set_index("reader").loc["os.Pipe read"]
    raw_cgo = cgo_reads.set_index("reader").loc["raw syscall.Read"]
    file_cgo = cgo_reads.set_index("reader").loc["os.NewFile read"]
    epollet = not source_lines("runtime/netpoll_epoll.go", r"EPOLLET").empty
    terms = windows.groupby("os/signal delivers")["event"].apply(lambda s: ", ".join(s)).to_dict()
    has_peerpid = bool(peer.set_index("option").loc["SO_PEERPID"].any())
    rows = [
        ("kill -USR1 wakes a diagnostic goroutine that dumps every goroutine; thousands were stuck in "
         "net.Conn.Read (kill -USR1 触发诊断协程)",
         f"SIGUSR1 → pprof goroutine dump in {_ms(dumps.timings['goroutines'])}: {len(g)} goroutines, "
         f"{conn_reads} of them in IO wait under net.(*conn).Read; the service "
         f"{'kept running' if dumps.alive_after else 'died'}. Without signal.Notify, a Go program sent SIGUSR1: "
         + ("caught and ignored, it kept running" if usr1_default.alive else usr1_default.how),
         "true, once Notify'd"),
        ("SIGUSR2 writes a heap profile (SIGUSR2 触发堆快照)",
         f"SIGUSR2 → pprof.WriteHeapProfile in {_ms(dumps.timings['heap'])}; go tool pprof -top: "
         f"{top['function']} holds {top['flat%']} of the in-use heap", "true"),
        ("systemd RestartSec=5: os.Interrupt triggers the graceful shutdown (os.Interrupt 信号触发优雅关闭)",
         "systemd stops a unit with SIGTERM (KillSignal=), not SIGINT. Only os.Interrupt Notify'd, then SIGTERM: "
         + sh("Notify(os.Interrupt) only, SIGTERM") + "; SIGINT and SIGTERM Notify'd: "
         + sh("SIGTERM, grace 5 s"), "wrong signal"),
        ("SIGTERM → shutdown hook → wait 15 s or until http.Server.Shutdown completes → syscall.Exit",
         "Ctrl+C: " + sh("Ctrl+C, grace 5 s") + "; deadline shorter than the handlers: "
         + sh("Ctrl+C, grace 100 ms < handlers") + "; main returning as soon as Serve returns: "
         + sh("main returns when Serve returns"), "true, if main waits for Shutdown"),
        ("WatchdogSec=30: an independent goroutine sends sd_notify(\"WATCHDOG=1\"); availability rose to "
         "99.999% (启动独立 goroutine 发送 WATCHDOG=1)",
         f"independent ticker: the worker hung, the pings went on ({frozen_pings} pings carried the frozen "
         f"STATUS '{frozen}'), {t_timeouts} watchdog timeouts; pings gated on the worker's mutex: "
         f"{h_timeouts} timeouts, each answered with SIGABRT and a restart ({h_starts} instances)",
         "the protocol is real; a free-running ticker hides hangs; 99.999% is not measurable here"),
        ("EAGAIN/EWOULDBLOCK must not be retried simply: lock an OS thread and add an edge-triggered epoll "
         "callback (LockOSThread + epoll 边缘触发)",
         f"the standard library does this already: the os.Pipe reader's read(2) returned EAGAIN "
         f"{pipe['read returned EAGAIN']} time(s), then its goroutine parked in the netpoller (no thread in "
         f"read(2)); {len(io_wait)} goroutines of the dump wait in IO wait, {locked} locked to a thread; "
         f"the runtime's epoll registration uses EPOLLET: {epollet}. EINTR, on the other hand, is simply retried: "
         f"with a C handler without SA_RESTART, os.NewFile's read got '{file_cgo['Go code got']}' after "
         f"{file_cgo['EINTR to user space']} EINTRs (internal/poll's loop), a raw syscall.Read got "
         f"'{raw_cgo['Go code got']}'; with Go's own handlers {go_reads.attrs['restarted']} of "
         f"{go_reads.attrs['interrupted']} interrupted reads were restarted by the kernel (SA_RESTART)",
         "already done by internal/poll"),
        ("getsockopt(fd, SOL_SOCKET, SO_PEERPID) names the peer process",
         ("SO_PEERPID exists here" if has_peerpid else
          "SO_PEERPID is in neither Python's socket module nor Go's syscall package on Linux")
         + "; Linux has SO_PEERCRED and SCM_CREDENTIALS (the supervisor above names every datagram's sender "
         "PID with it)", "true on Linux" if has_peerpid else "not on Linux"),
        ("Windows: GenerateConsoleCtrlEvent(CTRL_BREAK_EVENT, 0) gives the same interrupt handling as Linux",
         f"from the installed runtime's source (not run here): {terms.get('SIGINT', '?')} → os.Interrupt; "
         f"{terms.get('SIGTERM', '?')} → syscall.SIGTERM; {windows.attrs['sigsend calls']} sigsend call in "
         "the Windows runtime, so no SIGUSR1, SIGUSR2 or SIGQUIT ever arrives", "partly"),
    ]
    return pd.DataFrame(rows, columns=["the article claims", "what we measured", "verdict"])

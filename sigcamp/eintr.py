"""What a signal does to a blocking read(2): EINTR, SA_RESTART, and the retries Go does for you.

`c_read()` interrupts a C program's read with and without SA_RESTART and
records what read returned after each signal. `go_reads()` aims a storm of
SIGUSR1 at Go threads sleeping in read(2), under strace, and counts the reads
the kernel restarted (ERESTARTSYS) or handed back as EINTR.
"""

import os
import re
import tempfile
import time
from pathlib import Path

import pandas as pd

from . import masks, samples, session, systems, toolchain, trace

_READ_NR = {"x86_64": 0, "aarch64": 63}.get(os.uname().machine)
_RETURN = re.compile(r"read returned (-1 \(\w+\)|\d+ byte) after handler (\d+) at (\d+)")


def in_read(pid, tid=None):
    """'read(fd N)' when the thread is in read(2) (/proc/PID/task/TID/syscall), else what it is doing."""
    path = f"/proc/{pid}/task/{tid or pid}/syscall"
    try:
        fields = Path(path).read_text().split()
    except OSError:
        return "gone"
    if not fields or fields[0] == "running":
        return "running"
    if _READ_NR is not None and fields[0] == str(_READ_NR):
        return f"read(fd {int(fields[1], 16)})"
    return f"syscall {fields[0]}" if fields[0] != "-1" else "not in a system call"


def c_read(modes=("norestart", "restart"), *, gap_s=0.15, sample="read-eintr"):
    """For each mode, three SIGUSR1s gap_s apart at a C program blocked in read(2).

    One row per signal: mode, signal (1-3), sent_ms (from the first), handler
    (did the handler's line appear), returned (what read returned after this
    handler, or "nothing: still blocked"), returned_ms, afterwards (what
    /proc/PID/syscall shows once things settle).
    """
    rows = []
    for mode in modes:
        with session.start(sample, args=(mode,)) as prog:
            first = None
            for k in (1, 2, 3):
                time.sleep(gap_s)
                prog.send("SIGUSR1")
                first = first or prog.sent_ns
                sent = prog.sent_ns
                prog.expect(rf"HANDLER {k}")
                if k == 3:
                    prog.expect(r"read returned \d+ byte")
                    afterwards = "(read got its byte: the program ends)"
                else:
                    time.sleep(0.03)
                    afterwards = in_read(prog.pid)
                rows.append({"mode": mode, "signal": k, "sent_ms": (sent - first) / 1e6, "afterwards": afterwards})
            outcome = prog.wait(3)
        returns = [(m.group(1), int(m.group(2)), int(m.group(3))) for m in _RETURN.finditer(outcome.output)]
        for row in rows[-3:]:
            got = [r for r in returns if r[1] == row["signal"]]
            row["handler"] = f"HANDLER {row['signal']}" in outcome.output
            row["returned"] = "; ".join(r[0] for r in got) or "nothing: still blocked"
            row["returned_ms"] = (got[0][2] - first) / 1e6 if got else None
            row["ended"] = outcome.how
    cols = ["mode", "signal", "sent_ms", "handler", "returned", "returned_ms", "afterwards", "ended"]
    return pd.DataFrame(rows, columns=cols)


def _ids(output):
    tids = {m.group(1): (int(m.group(2)), int(m.group(3))) for m in
            re.finditer(r"BLOCKED (\w+) tid=(\d+) fd=(\d+)", output)}
    parked = re.search(r"PARKED pipe fd=(\d+)", output)
    return int(re.search(r"^pid (\d+)", output, re.M).group(1)), tids, int(parked.group(1)) if parked else None


def go_reads(sample="pipe-read-signals", *, per_thread=50, kills=50, pause_s=0.002):
    """A Go sample's three pipe readers under strace while SIGUSR1 rains on them; then SIGUSR2 ends it.

    per_thread tgkills go to each thread sleeping in read(2) (while it exists),
    `kills` more to the process. One row per reader: its thread and fd, the
    signals aimed at it, the deliveries strace saw on that thread, its read(2)
    calls, how many a signal interrupted ("? ERESTARTSYS"), and after each
    handler what rt_sigreturn restored: the call to restart (the kernel
    restarts it: SA_RESTART) or -1 EINTR (read returns the error to user
    space), and what the Go code finally got. attrs: "signals sent",
    "interrupted", "restarted", "eintr", "results", "output", "events", "outcome".
    """
    binary = samples.build(sample)
    toolchain.BUILD.mkdir(parents=True, exist_ok=True)
    fd, out = tempfile.mkstemp(prefix="strace-eintr-", suffix=".txt", dir=toolchain.BUILD)
    os.close(fd)
    try:
        argv = trace.strace_command([binary], output=out, calls=("read", "rt_sigreturn"))
        with session.start(argv[0], args=argv[1:], timeout=20) as run:
            pid, tids, parked_fd = _ids(run.output)
            in_read_before = {way: in_read(pid, tid) for way, (tid, _) in tids.items()}
            usr1, aimed, sent = session.signal_number("SIGUSR1"), dict.fromkeys(tids, 0), 0
            for i in range(max(per_thread, kills)):
                for way, (tid, _) in tids.items():
                    if i >= per_thread:
                        break
                    try:
                        masks.tgkill(pid, tid, "SIGUSR1")
                    except ProcessLookupError:
                        continue  # its read returned an error and the locked thread exited with its goroutine
                    aimed[way] += 1
                if i < kills:
                    os.kill(pid, usr1)
                    sent += 1
                time.sleep(pause_s)
            sent += sum(aimed.values())
            time.sleep(0.05)
            in_read_after = {way: in_read(pid, tid) for way, (tid, _) in tids.items()}
            os.kill(pid, session.signal_number("SIGUSR2"))
            outcome = run.wait(10)
        events = trace.parse(Path(out).read_text())
    finally:
        Path(out).unlink(missing_ok=True)
    results = dict(re.findall(r"^(raw syscall\.Read|os\.NewFile read|os\.Pipe read): (.*)$", outcome.output, re.M))
    names = {"raw": "raw syscall.Read", "newfile": "os.NewFile read", "pipe": "os.Pipe read"}
    rows = []
    for way, (tid, rfd) in [*sorted(tids.items(), key=lambda kv: list(names).index(kv[0])),
                            ("pipe", (None, parked_fd))]:
        reads = events[(events["call"] == "read") & events["raw"].str.startswith(f"read({rfd},")]
        mine = events[events["tid"] == tid] if tid else events.iloc[0:0]
        restarted, handed = _decisions(mine, rfd)
        rows.append({
            "reader": names[way], "thread": tid if tid else "(none: parked in the netpoller)", "fd": rfd,
            "in read(2) before": in_read_before.get(way, "-"),
            "in read(2) after the storm": in_read_after.get(way, "-"),
            "SIGUSR1 aimed at its thread": aimed.get(way, 0),
            "deliveries on its thread": int((mine["call"] == "delivered").sum()),
            "read(2) calls": len(reads),
            "read interrupted (? ERESTARTSYS)": int(reads["result"].str.contains("ERESTARTSYS").sum()),
            "kernel restarted it": restarted,
            "EINTR to user space": handed,
            "read returned EAGAIN": int(reads["result"].str.startswith("-1 EAGAIN").sum()),
            "Go code got": results.get(names[way], "?"),
        })
    df = pd.DataFrame(rows)
    df.attrs.update({"signals sent": sent, "interrupted": int(df["read interrupted (? ERESTARTSYS)"].sum()),
                     "restarted": int(df["kernel restarted it"].sum()),
                     "eintr": int(df["EINTR to user space"].sum()), "results": results,
                     "output": outcome.output, "events": events, "outcome": outcome,
                     "netpoll uses EPOLLET": not systems.source_lines("runtime/netpoll_epoll.go", r"EPOLLET").empty})
    return df


def _decisions(thread_events, fd):
    """For each read(fd) a signal interrupted, what the kernel did once the handler returned.

    rt_sigreturn restores the interrupted registers, and strace prints the
    restored return register: -1 EINTR when read fails with EINTR, anything
    else when the kernel set the call up to run again (SA_RESTART). Only the
    first rt_sigreturn after an interrupted read counts: later handlers (for
    signals that arrive outside the call) say nothing about it.
    Returns (restarted, eintr).
    """
    restarted = eintr = 0
    waiting = False
    for call, raw, result in thread_events[["call", "raw", "result"]].itertuples(index=False):
        if call == "read" and str(raw).startswith(f"read({fd},") and "ERESTARTSYS" in str(result):
            waiting = True
        elif call == "rt_sigreturn" and waiting:
            waiting = False
            if str(result).startswith("-1 EINTR"):
                eintr += 1
            else:
                restarted += 1
    return restarted, eintr


def retry_loops():
    """The EINTR loops in the installed standard library: internal/poll's helpers and who calls them."""
    from . import gosource

    rows = []
    for pkg, name in (("internal/poll", "ignoringEINTRIO"), ("internal/poll", "ignoringEINTR"),
                      ("internal/poll", "ignoringEINTR2"), ("os", "ignoringEINTR"), ("os", "ignoringEINTR2")):
        callers = gosource.calls(name, (pkg,))
        rows.append({"helper": f"{pkg}.{name}", "defined in": _defined_in(pkg, name),
                     "call sites": len(callers),
                     "called from": ", ".join(sorted(set(callers["in_function"])))})
    return pd.DataFrame(rows)


def _defined_in(pkg, name):
    """file:line of `func name(` or the generic `func name[` in a package (Linux files only)."""
    pat = re.compile(rf"^func {re.escape(name)}[\[(]")
    found = []
    for f in sorted((toolchain.go().goroot / "src" / pkg).glob("*.go")):
        other_os = any(part in ("windows", "plan9", "wasip1", "js") for part in f.stem.split("_")[1:])
        if f.name.endswith("_test.go") or other_os:
            continue
        found += [f"{f.name}:{n}" for n, line in enumerate(f.read_text().splitlines(), 1) if pat.match(line)]
    return "; ".join(found)


def retry_source():
    """internal/poll's ignoringEINTR with the comment that says why it exists, and setsig's flags line."""
    text = systems.function_source("internal/poll/fd_posix.go", "ignoringEINTR", comment=True)
    flags = systems.source_lines("runtime/os_linux.go", r"sa\.sa_flags = ")
    return text + "\n\n// runtime/os_linux.go, setsig:\n" + "\n".join(flags["text"].str.strip())

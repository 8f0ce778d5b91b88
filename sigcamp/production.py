"""Chapter 4: debugging signals in a running program, and the fixes that hold.

delve attached to a live program (what it sends, what it sees, what it leaves
behind), where a signal really runs when a goroutine locks its thread, a C
thread that owns a signal with sigwaitinfo, and the article's claims beside
the evidence. PID 1 and containers live in `container`.
"""

import os
import re
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import delve, masks, procfs, session, toolchain, trace
from .errors import SigcampError


def _state(pid, tid):
    """One letter from /proc/PID/task/TID/stat: R, S, t (tracing stop), T, Z..."""
    try:
        return Path(f"/proc/{pid}/task/{tid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


def tracer_pid(pid, *, wait=0.0):
    """TracerPid from /proc/PID/status: the debugger attached to it, 0 when none.

    wait: up to this many seconds for a tracer to show up.
    """
    deadline = time.monotonic() + wait
    while True:
        found = next((int(l.split()[1]) for l in Path(f"/proc/{pid}/status").read_text().splitlines()
                      if l.startswith("TracerPid:")), 0)
        if found or time.monotonic() >= deadline:
            return found
        time.sleep(0.01)


def thread_states(pid):
    """DataFrame tid, state (the kernel's letter) of every thread of `pid`."""
    tids = sorted(int(t.name) for t in Path(f"/proc/{pid}/task").iterdir())
    return pd.DataFrame({"tid": tids, "state": [_state(pid, t) for t in tids]})


class _Strace:
    """strace -f attached to a running process, recording the signal-sending calls."""

    CALLS = ("kill", "tgkill", "tkill")

    def __init__(self, pid, *, timeout=5):
        toolchain.BUILD.mkdir(parents=True, exist_ok=True)
        fd, self.path = tempfile.mkstemp(prefix="strace-dlv-", suffix=".txt", dir=toolchain.BUILD)
        os.close(fd)
        self.events = None
        self.proc = subprocess.Popen(
            [str(toolchain.strace()), "-f", "-o", self.path, "-e", "trace=" + ",".join(self.CALLS),
             "-e", "signal=none", "-p", str(pid)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, preexec_fn=session.child_setup)
        ready = threading.Event()  # strace says "Process N attached with M threads" once it holds them all
        threading.Thread(target=self._read_notes, args=(ready,), daemon=True).start()
        if not ready.wait(timeout):
            self.stop()
            raise SigcampError(f"strace could not attach to PID {pid} within {timeout} s")

    def _read_notes(self, ready):
        for line in self.proc.stderr:
            if "attached" in line:
                ready.set()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.events = self.stop()
        return False

    def stop(self):
        """Detach strace (SIGINT) and return the recorded events (trace.parse)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        path, self.path = self.path, None
        if path is None:
            return self.events
        text = Path(path).read_text()
        Path(path).unlink(missing_ok=True)
        self.events = trace.parse(text)
        return self.events


@dataclass
class AttachRun:
    """What attaching delve to a running program did (see attach_snapshot)."""

    pid: int
    tracer_before: int
    tracer_attached: int
    tracer_after: int
    states_halted: pd.DataFrame  # tid, state while delve holds it
    sent: pd.DataFrame  # step, call, target, signal: what delve sent while halting, detaching
    goroutines: pd.DataFrame
    after: session.Outcome  # after the detach: a real Ctrl+C on its own terminal

    def tracers(self):
        """TracerPid of the program before, during and after delve (0: nobody traces it)."""
        return pd.DataFrame({"TracerPid": [self.tracer_before, self.tracer_attached, self.tracer_after]},
                            index=["before attach", "attached", "after detach"])

    def signals_sent(self, step):
        """Names of the signals delve sent during `step` ("halt" or "detach")."""
        return list(self.sent.loc[self.sent.step == step, "signal"])


def attach_snapshot(sample="notify-loop", *, settle=0.3):
    """Attach delve (headless, JSON-RPC) to a running sample, let it run, halt it, take a
    goroutine snapshot, detach leaving it running, then press Ctrl+C on its own terminal.

    strace records the kill/tgkill calls delve makes while halting and detaching.
    """
    with session.start(sample) as prog:
        before = tracer_pid(prog.pid)
        with delve.attach(prog.pid) as dbg:
            attached = tracer_pid(prog.pid, wait=5)
            runner = threading.Thread(target=dbg.continue_, kwargs={"timeout": 30}, daemon=True)
            runner.start()  # the program runs until the halt
            deadline = time.monotonic() + 20
            while not dbg.state().running and time.monotonic() < deadline:
                time.sleep(0.02)  # halting before delve has started the continue would race it
            time.sleep(settle)
            with _Strace(attached) as halting:
                dbg.halt()
                runner.join()
                halted = thread_states(prog.pid)
                goroutines = dbg.goroutines()
            with _Strace(attached) as detaching:
                dbg.detach(kill=False)
        halt_events, detach_events = halting.events, detaching.events
        after_detach = tracer_pid(prog.pid)
        time.sleep(0.1)
        prog.ctrl_c()
        outcome = prog.wait(5)
    sent = pd.concat([halt_events.assign(step="halt"), detach_events.assign(step="detach")], ignore_index=True)
    # dlv is a Go program too: keep the calls aimed at the target, not dlv's own SIGURGs to itself
    aimed = sent.raw.str.extract(r"^\w+\((\d+),", expand=False).astype(float) == prog.pid
    sent = sent[sent.call.isin(_Strace.CALLS) & aimed]
    sent = sent.assign(to=[_whom(int(t), prog.pid, halted) for t in sent.target])[
        ["step", "call", "target", "to", "signal", "result"]].reset_index(drop=True)
    return AttachRun(pid=prog.pid, tracer_before=before, tracer_attached=attached, tracer_after=after_detach,
                     states_halted=halted, sent=sent, goroutines=goroutines, after=outcome)


def _whom(target, pid, threads):
    if target == pid:
        return "the process"
    return "another of its threads" if target in set(threads.tid) else "?"


def dlv_ctrl_c_and_kill(sample="notify-loop"):
    """`dlv attach` on a terminal of its own, the program on another: Ctrl+C typed at dlv,
    then a kill -USR1 from outside, then Ctrl+C on the program's own terminal.

    One row per step: what was done, what dlv printed, what the program printed.
    """
    rows = []
    with session.start(sample) as prog:
        with delve.Terminal.attach(prog.pid) as dlv:
            dlv.send("continue")
            time.sleep(0.3)
            said = dlv.ctrl_c()
            rows.append(("Ctrl+C typed at dlv's prompt", _line(said, "SIGINT"), _new(prog, rows)))
            dlv.send("continue")
            time.sleep(0.2)
            dlv.kill("SIGUSR1")
            prog.expect("got signal: user defined signal 1")
            rows.append(("kill -USR1 PID from another shell", "(nothing: dlv forwards it)", _new(prog, rows)))
            prog.ctrl_c()
            said = dlv.wait_prompt(timeout=10)
            outcome = prog.wait(5)
            rows.append(("Ctrl+C on the program's own terminal", _line(said, "exited"), _new(prog, rows)))
    df = pd.DataFrame(rows, columns=["step", "dlv printed", "the program printed"])
    df.attrs.update(outcome=outcome, transcript=dlv.text())
    return df


def _line(text, word):
    return next((l.strip() for l in text.splitlines() if word in l), text.strip()[:120])


def _new(prog, rows):
    lines = [l for l in prog.output.splitlines() if l.startswith("got signal")]
    seen = sum(r[2].count("got signal") for r in rows)
    return " / ".join(lines[seen:]) or "(nothing)"


# --- LockOSThread + Notify: where the handler really runs -------------------------


def _role(tid, pid, locked):
    if tid is None or pd.isna(tid):
        return None
    if tid == pid == locked:
        return "main thread (= locked)"
    if tid == locked:
        return "locked thread"
    if tid == pid:
        return "main thread"
    return "another thread"


def _signal_of(variable):
    """10 from delve's record of an os.Signal holding syscall.Signal(10)."""
    kids = (variable.get("children") if isinstance(variable, dict) else None) or [{}]
    m = re.search(r"\((\d+)\)", str(kids[0].get("value", "")))
    return int(m.group(1)) if m else None


def _continue_after(dbg, action, delay):
    timer = threading.Timer(delay, action)
    timer.start()
    try:
        return dbg.continue_(timeout=10)
    finally:
        timer.cancel()
        timer.join()


def routing_run(where="goroutine", *, methods=("kill", "tgkill", "pthread_kill"), per=2, delay=0.1, run=0):
    """One run of lockosthread-notify under delve; one row per SIGUSR1.

    where: "goroutine" (a new goroutine locks its thread) or "main" (the main
    goroutine, locked in init, so the main thread). methods: kill(2) to the
    process, tgkill(2) to the locked thread, or SIGUSR2 asking the program to
    pthread_kill(3) its locked thread. Each signal is sent while the program
    runs; breakpoints on runtime.sighandler (condition sig == 10) and
    os/signal.process give the thread each ran on.
    """
    sends = [m for m in methods for _ in range(per)]
    rows = []
    with delve.launch("lockosthread-notify", env={"LOCK_MAIN": "1"} if where == "main" else None) as dbg:
        handler_bp = dbg.create_breakpoint("runtime.sighandler", cond="sig == 10")
        process_bp = dbg.create_breakpoint("os/signal.process")
        deadline = time.monotonic() + 20
        while "READY" not in dbg.target_output:
            if dbg.continue_(timeout=0.3).exited or time.monotonic() > deadline:
                raise SigcampError(f"lockosthread-notify did not get READY under delve:\n{dbg.target_output}")
        m = re.search(r"locked tid (\d+) \(main thread (\d+)\)", dbg.target_output)
        if not m:
            raise SigcampError(f"lockosthread-notify did not say which thread it locked:\n{dbg.target_output}")
        locked, pid = int(m.group(1)), int(m.group(2))
        for method in sends:
            action = {"kill": lambda: dbg.send("SIGUSR1"),
                      "tgkill": lambda: masks.tgkill(pid, locked, "SIGUSR1"),
                      "pthread_kill": lambda: dbg.send("SIGUSR2")}[method]
            stop, handler, process = _continue_after(dbg, action, delay), None, None
            for _ in range(6):  # SIGUSR2 passes os/signal.process first: skip it
                if stop.exited or stop.timed_out:
                    break
                if stop.breakpoint == handler_bp:
                    handler = stop.thread
                elif stop.breakpoint == process_bp and _signal_of(dbg.eval("sig")) == 10:
                    process = stop.thread
                    break
                stop = dbg.continue_(timeout=5)
            rows.append({"run": run, "locked goroutine": where, "sent with": method, "main thread": pid,
                         "locked thread": locked, "handler ran on": handler, "os/signal.loop ran on": process})
        dbg.continue_(timeout=0.3)  # let the receiving goroutine print the last one
        received = [int(t) for t in re.findall(r"received user defined signal 1 on tid (\d+)", dbg.target_output)]
    for row, tid in zip(rows, received):
        row["receiver ran on"] = tid
    df = pd.DataFrame(rows)
    for col in ("handler ran on", "os/signal.loop ran on", "receiver ran on"):
        if col not in df:
            df[col] = None
        df[col.replace(" on", " on (role)")] = [_role(t, p, l) for t, p, l in
                                                 zip(df[col], df["main thread"], df["locked thread"])]
    return df


def thread_routing(*, wheres=("goroutine", "main"), runs=2, per=2):
    """routing_run for each placement of the locked goroutine, `runs` times each; all rows."""
    return pd.concat([routing_run(w, per=per, run=i) for w in wheres for i in range(runs)], ignore_index=True)


def routing_summary(df):
    """How many signals ran their handler on each kind of thread, per placement and send method."""
    return pd.crosstab([df["locked goroutine"], df["sent with"]], df["handler ran on (role)"])


# --- a C thread that owns SIGUSR1 --------------------------------------------------

OWNER_CASES = (("thread", "", "sigwaitinfo"), ("late", "", "sigwaitinfo"), ("constructor", "", "sigwaitinfo"),
               ("constructor", "notify", "sigwaitinfo"), ("constructor", "notify-after", "sigwaitinfo"),
               ("thread", "", "poll"), ("constructor", "", "poll"))
_HOW = {"thread": "the owner thread only", "late": "main() on its thread, then the owner",
        "constructor": "a C constructor, before the runtime"}
_NOTIFY = {"": "no", "notify": "yes, before the owner starts", "notify-after": "yes, after the owner starts"}
_WAITS = {"sigwaitinfo": "sigwaitinfo", "poll": "the article's poll"}
# The system calls an owner thread can sleep in, by number (x86-64, arm64).
_SYSCALLS = {"x86_64": {128: "rt_sigtimedwait", 230: "clock_nanosleep", 35: "nanosleep"},
             "aarch64": {137: "rt_sigtimedwait", 115: "clock_nanosleep", 101: "nanosleep"}}.get(os.uname().machine, {})


def _sleeping_in(pid, tid, *, reads=20):
    """What the thread sleeps in, by most reads of /proc/PID/task/TID/syscall; for
    rt_sigtimedwait with its timeout argument (NULL: wait for ever)."""
    seen = []
    for _ in range(reads):
        fields = Path(f"/proc/{pid}/task/{tid}/syscall").read_text().split()
        if fields and fields[0].isdigit():
            name = _SYSCALLS.get(int(fields[0]), f"syscall {fields[0]}")
            if name == "rt_sigtimedwait":
                name += f", timeout {'NULL' if fields[3] == '0x0' else fields[3]}"
            seen.append(name)
        else:
            seen.append("running")
        if seen[-1].startswith("rt_sigtimedwait"):
            return seen[-1]
        time.sleep(0.005)
    return max(set(seen), key=seen.count)


def _cpu_ticks(pid, tid):
    fields = Path(f"/proc/{pid}/task/{tid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks


def owner_run(mode="constructor", notify="", wait="sigwaitinfo", *, n=10, gap=0.02, run=0):
    """sigwait-owner with one way of blocking SIGUSR1 (mode), of calling Notify ("", "notify",
    "notify-after") and of waiting ("sigwaitinfo", or "poll": the article's zero-timeout
    sigtimedwait + nanosleep(10 us)); send `n` SIGUSR1 (kill(2), `gap` s apart).

    Returns one row: who blocks SIGUSR1, what the owner sleeps in and how much CPU it
    uses, who got how many. While a thread waits in sigwaitinfo the kernel unblocks
    the waited-for set in its SigBlk, so the owner then counts as not blocking it.
    """
    args = (mode, notify) if notify else (mode,)
    env = {"OWNER_WAIT": "poll"} if wait == "poll" else None
    with session.start("sigwait-owner", args=args, env=env) as prog:
        found = re.search(r"C owner thread tid (\d+)", prog.output) or \
            re.search(r"C owner thread tid (\d+)", prog.expect(r"C owner thread tid \d+"))
        owner = int(found.group(1))
        sleeping = _sleeping_in(prog.pid, owner)
        t0, ticks0 = time.monotonic(), _cpu_ticks(prog.pid, owner)
        state = masks.settled_masks(prog.pid)
        blocking = state.blocked.apply(lambda s: "SIGUSR1" in s)
        owner_blocks = "SIGUSR1" in state.loc[state.tid == owner, "blocked"].iloc[0]
        for _ in range(n):
            prog.send("SIGUSR1")
            time.sleep(gap)
        time.sleep(0.1)
        cpu = (_cpu_ticks(prog.pid, owner) - ticks0) / os.sysconf("SC_CLK_TCK") / (time.monotonic() - t0)
        pending = "SIGUSR1" in procfs.thread_masks(prog.pid).shared_pending.iloc[0]
        prog.send("SIGTERM")
        out = prog.wait(5)
    c_got = out.output.count("C owner got SIGUSR1")
    go_got = out.output.count("Go Notify got SIGUSR1")
    return {"run": run, "SIGUSR1 blocked by": _HOW[mode], "Go Notify": _NOTIFY[notify], "owner": _WAITS[wait],
            "threads blocking it": f"{int(blocking.sum())} of {len(state)}", "owner's SigBlk has it": owner_blocks,
            "owner sleeps in": sleeping, "owner CPU %": round(100 * cpu),
            "sent": n, "C owner got": c_got, "Go Notify got": go_got, "nobody saw": n - c_got - go_got,
            "still pending": pending,
            "zero-timeout poll": "EAGAIN" if "zero timeout: EAGAIN" in out.output else "?"}


def sigwait_owner(cases=OWNER_CASES, *, runs=2, n=10):
    """owner_run for every case, `runs` times each; one row per run."""
    return pd.DataFrame([owner_run(*case, n=n, run=i) for case in cases for i in range(runs)])


def owner_summary(owners):
    """sigwait_owner's runs added up per case: sent, and who got how many."""
    cols = ["sent", "C owner got", "Go Notify got", "nobody saw"]
    return owners.groupby(["owner", "SIGUSR1 blocked by", "Go Notify"], sort=False)[cols].sum()


# --- the article's claims ------------------------------------------------------------


def claims(*, attach, routing, owners, pid1, fallback):
    """The article's chapter 4 claims beside this notebook's evidence.

    attach: attach_snapshot(); routing: thread_routing(); owners: sigwait_owner();
    pid1: container.pid1_table(); fallback: container.die_from_signal_fallback().
    """
    halting = attach.sent[attach.sent.step == "halt"]
    halt = ", ".join(f"{r.call}({r.signal}) to {r.to} ×{r.n}" for r in
                     halting.groupby(["call", "signal", "to"], sort=False).size().reset_index(name="n").itertuples())
    stopped = (attach.states_halted.state == "t").sum()
    kill = routing[(routing["sent with"] == "kill") & (routing["locked goroutine"] == "goroutine")]
    on_locked = (kill["handler ran on (role)"] == "locked thread").sum()
    on_main = (kill["handler ran on (role)"] == "main thread").sum()
    loop_locked = (routing["os/signal.loop ran on"] == routing["locked thread"]).sum()
    aimed = routing[routing["sent with"] != "kill"]
    aimed_ok = (aimed["handler ran on"] == aimed["locked thread"]).sum()
    def cases(mode, notify, wait):
        return owners[(owners["SIGUSR1 blocked by"] == _HOW[mode]) & (owners["Go Notify"] == _NOTIFY[notify])
                      & (owners["owner"] == _WAITS[wait])]

    def owner(mode, notify="", wait="sigwaitinfo"):
        sub = cases(mode, notify, wait)
        label = f"{_WAITS[wait]}, blocked by {_HOW[mode]}" + (f", Notify {_NOTIFY[notify][5:]}" if notify else "")
        return (f"{label}: C got {sub['C owner got'].sum()}, Go {sub['Go Notify got'].sum()}, "
                f"nobody {sub['nobody saw'].sum()} of {sub['sent'].sum()}")

    waiting, polling = cases("constructor", "", "sigwaitinfo"), cases("constructor", "", "poll")

    def pid1_row(key, sent):
        return pid1[(pid1["entry"] == key) & (pid1["sent"].str.startswith(sent))].iloc[0]["ended"]

    no_notify, ignore, shell, runs, init = "go", "ignore", "sh-loop", "sh-runs", "init"
    rows = [
        ("Delve halts a program by sending it SIGINT (RequestManualStop = kill -2); the runtime catches it "
         "and stops every P with stopTheWorldWithSema",
         f"strace of dlv during a halt: {halt}; {stopped} of {len(attach.states_halted)} threads in tracing "
         f"stop (t): the runtime runs no code at all. After the detach a Ctrl+C still works: {attach.after.how}",
         "false"),
        ("api.Detach makes delve send SIGINT to the PID",
         f"Detach without kill sent {len(attach.signals_sent('detach'))} signals; TracerPid went "
         f"{attach.tracer_attached} → {attach.tracer_after}", "false (for a detach that keeps it running)"),
        ("LockOSThread before Notify makes the kernel deliver the signal to the locked thread",
         f"kill(2), locked goroutine not main: handler on the locked thread {on_locked} of {len(kill)} times, "
         f"on the main thread {on_main}; os/signal.loop ran on the locked thread {loop_locked} of {len(routing)}; "
         f"tgkill/pthread_kill put it there {aimed_ok} of {len(aimed)}", "false"),
        ("sigwaitinfo returns -1/EAGAIN when nothing is pending: poll it, with a 10 µs nanosleep in between",
         f"a sigwaitinfo owner sleeps in {waiting['owner sleeps in'].iloc[0]} and uses "
         f"{waiting['owner CPU %'].max()}% CPU; the zero-timeout sigtimedwait returned "
         f"{waiting['zero-timeout poll'].iloc[0]}; the poll sleeps in {polling['owner sleeps in'].iloc[0]} "
         f"and uses {polling['owner CPU %'].min()}-{polling['owner CPU %'].max()}% of a CPU", "false"),
        ("When the Go runtime takes the signal a C thread waits for, the fix is that poll in the cgo function",
         "; ".join([owner("thread", wait="poll"), owner("constructor", wait="poll"), owner("thread"),
                    owner("late"), owner("constructor"), owner("constructor", "notify"),
                    owner("constructor", "notify-after")])
         + ": the masks of the other threads decide, polling or not", "false"),
        ("In a container Ctrl+C does not reach the app without tini/--init; with it, exit 130",
         f"Go without Notify as PID 1: {pid1_row(no_notify, 'tty')} (this Go's dieFromSignal ends in "
         f"{fallback['text']}; Go >= 1.27 exits 128+sig = 130); signal.Ignore: {pid1_row(ignore, 'tty')}; "
         f"/bin/sh script: ^C {pid1_row(shell, 'tty')}, kill -TERM {pid1_row(shell, 'kill -TERM')}; "
         f"script in front of notify-exit, kill -INT PID 1: {pid1_row(runs, 'kill -INT')}; "
         f"tiny-init: ^C {pid1_row(init, 'tty')}, kill -INT PID 1 {pid1_row(init, 'kill -INT')}",
         "partly: it depends on PID 1's handlers, not on Ctrl+C"),
    ]
    return pd.DataFrame(rows, columns=["the article claims", "what we measured", "verdict"])

"""PID 1 without Docker: a program as the init of a new PID namespace, on a real PTY.

`unshare --pid --fork --mount-proc --kill-child PROGRAM` is what a container runtime does
to an entry point, minus the image. `start_pid1()` runs that on a PTY (Ctrl+C is real),
`pid1_table()` compares entry points, `check_script()` runs scripts/check-ctrl-c.
Closing kills the namespace's init (the kernel then kills the whole namespace), then the group.
"""

import os
import re
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import procfs, samples, session, toolchain
from .errors import NotReady, SigcampError

SYS_RT_SIGTIMEDWAIT = {"x86_64": 128, "aarch64": 137}.get(os.uname().machine)
UNSHARE = ("--pid", "--fork", "--mount-proc", "--kill-child")
SCRIPT = toolchain.ROOT / "scripts" / "check-ctrl-c"
SHELL_LOOP = 'echo READY; while :; do sleep 0.1; done'
SHELL_RUNS = 'echo "entrypoint.sh: starting $1"; "$1"; echo "entrypoint.sh: it ended with $?"'
SHELL_EXECS = 'echo "entrypoint.sh: starting $1"; exec "$1"'


def _unshare():
    for d in ("/usr/bin", "/bin", "/usr/sbin"):
        if Path(d, "unshare").is_file():
            return str(Path(d, "unshare"))
    raise SigcampError("unshare (util-linux) not found: apt-get install util-linux")


def _children(pid):
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except (OSError, ValueError):
        return []


def _nspid(pid):
    """The NSpid line of /proc/PID/status: [pid here, pid in its own namespace, ...]."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("NSpid:"):
            return [int(x) for x in line.split()[1:]]
    return [pid]


def _argv(program, args):
    """(path, args, env) for a sample name or an executable path."""
    if os.sep in str(program) or Path(program).is_file():
        return str(program), tuple(args), {}
    sample = samples.find(program)
    return str(samples.build(sample)), tuple(args or sample.args), dict(sample.env)


class Pid1:
    """A program running as PID 1 of its own PID namespace, on a PTY. Use `with`.

    `running` is the session.Running of `unshare` (ctrl_c(), expect(), wait());
    `init_pid` is PID 1's PID as seen from here, `nspid` its PIDs (here, inside).
    """

    def __init__(self, running):
        self.running = running
        self.init_pid = None
        deadline = time.monotonic() + running.timeout
        while self.init_pid is None:
            kids = _children(running.pid)
            if kids:
                self.init_pid = kids[0]
            elif time.monotonic() > deadline or not running.alive():
                raise NotReady(f"unshare started no PID 1; output:\n{running.output}")
            else:
                time.sleep(0.005)
        self.nspid = _nspid(self.init_pid)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def ctrl_c(self):
        """Type Ctrl+C on the PTY: SIGINT to the foreground group (unshare, PID 1, its children)."""
        self.running.ctrl_c()

    def kill_init(self, signame="SIGINT"):
        """kill(2) PID 1 alone from outside its namespace, as `docker stop`/`docker kill` do."""
        self.running.sent_ns = time.monotonic_ns()
        os.kill(self.init_pid, session.signal_number(signame))

    def wait(self, timeout=5.0):
        """Wait for the namespace to end: unshare exits with PID 1's status (or dies by its signal)."""
        return self.running.wait(timeout)

    def close(self):
        """Kill PID 1 (the kernel then kills its namespace) so unshare can reap it, then the group."""
        if self.running.outcome is None and self.init_pid:
            try:
                os.kill(self.init_pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            deadline = time.monotonic() + 1
            while self.running.alive() and time.monotonic() < deadline:
                time.sleep(0.01)
        self.running.close()


def start_pid1(program, *, args=(), env=None, ready="READY", timeout=10):
    """Run `program` (a sample name or an executable) as PID 1 of a new PID namespace on a PTY.

    Waits for `ready` in its output. Returns a Pid1; use `with`.
    """
    path, args, base_env = _argv(program, args)
    user = () if os.geteuid() == 0 else ("--user", "--map-root-user")  # unprivileged: a user namespace too
    try:
        running = session.start(_unshare(), args=(*user, *UNSHARE, path, *args), env={**base_env, **(env or {})},
                                ready=ready, timeout=timeout)
    except NotReady as e:
        if "unshare failed" in str(e):
            raise SigcampError(f"unshare could not create the namespaces: {e}\nRun as root, or enable "
                               "unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1)") from None
        raise
    try:
        return Pid1(running)
    except BaseException:
        running.close()
        raise


@dataclass(frozen=True)
class Entry:
    """One way to start a container's main process."""

    key: str
    title: str
    program: str  # a sample name or an executable
    args: tuple = ()


def entries():
    """The entry points pid1_table compares: Go alone, a shell script in front, an init in front."""
    go_program = str(samples.build("notify-exit"))
    sh = f"/bin/sh ({Path('/bin/sh').resolve().name})"
    return (
        Entry("c", "C, no handler at all (c-no-handler)", "c-no-handler"),
        Entry("go", "Go, no Notify (article-sleep-loop)", "article-sleep-loop"),
        Entry("notify", "Go, Notify then exit 130 (notify-exit)", "notify-exit"),
        Entry("ignore", "Go, signal.Ignore(os.Interrupt) (signal-ignore)", "signal-ignore"),
        Entry("sh-loop", f"{sh} script, a loop of sleep", "/bin/sh", ("-c", SHELL_LOOP)),
        Entry("sh-runs", f"{sh} script starts notify-exit (no exec)", "/bin/sh", ("-c", SHELL_RUNS, "sh", go_program)),
        Entry("sh-execs", f"{sh} script execs notify-exit", "/bin/sh", ("-c", SHELL_EXECS, "sh", go_program)),
        Entry("init", "tiny-init in front of article-sleep-loop", "tiny-init",
              (str(samples.build("article-sleep-loop")),)),
    )


def run_pid1(entry, send, *, wait=0.7):
    """One run of an Entry as PID 1: send "ctrl-c" (the PTY) or a signal name (kill(2) to PID 1 only).

    Returns a dict: entry, sent, PID 1 ran (its NSpid), ended, shell shows, output.
    """
    with start_pid1(entry.program, args=entry.args) as ns:
        actions = dispositions(ns.init_pid)
        if send == "ctrl-c":
            ns.ctrl_c()
        else:
            ns.kill_init(send)
        outcome = ns.wait(wait)
    return {"entry": entry.key, "entry point (PID 1)": entry.title,
            "sent": "tty ^C (whole foreground group)" if send == "ctrl-c" else f"kill -{send[3:]} PID 1 from outside",
            "PID 1 is": f"pid {ns.nspid[0]} here, {ns.nspid[-1]} inside",
            "PID 1's SIGINT, SIGTERM": actions,
            "ended": "still running after %.1f s" % wait if outcome.alive else outcome.how,
            "shell shows": "(running)" if outcome.shell_status is None else str(outcome.shell_status),
            "output": " / ".join(l for l in outcome.output.strip().splitlines() if l and "STAMP" not in l)}


def waits_in_sigtimedwait(pid, tid):
    """(True, timeout argument) while the thread sleeps in rt_sigtimedwait (sigwaitinfo too), else (False, None).

    While it waits, the kernel unblocks the waited-for signals in the thread's SigBlk.
    """
    try:
        fields = Path(f"/proc/{pid}/task/{tid}/syscall").read_text().split()
    except OSError:
        return False, None
    if fields and fields[0].isdigit() and int(fields[0]) == SYS_RT_SIGTIMEDWAIT:
        return True, fields[3]
    return False, None


def dispositions(pid, signals=("SIGINT", "SIGTERM")):
    """'caught, default' etc.: the disposition of each signal in process `pid` (SigIgn, SigCgt).

    "sigtimedwait" when it has no handler but its main thread waits for signals in rt_sigtimedwait.
    (Not SigBlk: a shell blocks signals for a moment around every fork.)
    """
    st = procfs.thread_status(pid, pid)
    waiting, _ = waits_in_sigtimedwait(pid, pid)
    return ", ".join("ignored" if s in st["ignored"] else "caught" if s in st["caught"]
                     else "sigtimedwait" if waiting else "default" for s in signals)


def pid1_table(*, sends=("ctrl-c", "SIGINT", "SIGTERM"), wait=0.7):
    """Every entry point as PID 1, with each way of sending SIGINT; one row per run."""
    return pd.DataFrame([run_pid1(e, s, wait=wait) for e in entries() for s in sends])


def pid1_matrix(table):
    """pid1_table as a grid: one row per entry point, one column per way of sending."""
    grid = table.pivot(index="entry point (PID 1)", columns="sent", values="ended").reindex(
        list(dict.fromkeys(table["entry point (PID 1)"])))[list(dict.fromkeys(table["sent"]))]
    actions = table.groupby("entry point (PID 1)")["PID 1's SIGINT, SIGTERM"].first()
    grid.insert(0, "PID 1's SIGINT, SIGTERM", actions.reindex(grid.index))
    return grid


def pid1_tree(program, *args, settle=0.3):
    """Who is PID 1, and who runs under it, when `program ARGS` is a namespace's entry point.

    One row per process of the namespace: pid here, pid inside, parent inside, command.
    """
    rows = []
    with start_pid1(program, args=args, ready=None) as ns:
        time.sleep(settle)
        todo = [ns.init_pid]
        while todo:
            pid = todo.pop(0)
            try:
                ids = _nspid(pid)
                cmd = Path(f"/proc/{pid}/cmdline").read_bytes().rstrip(b"\0").replace(b"\0", b" ").decode()
                ppid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            parent = _nspid(ppid)[-1] if pid != ns.init_pid else 0
            rows.append({"pid here": pid, "pid inside": ids[-1], "parent inside": parent, "command": cmd})
            todo += _children(pid)
    return pd.DataFrame(rows)


def die_from_signal_fallback():
    """What the installed runtime's dieFromSignal does when the re-raised signal did not kill it.

    Returns a dict: go (version), line (file:line), text (the exit call), status
    (the exit status a SIGINT leads to: 2, or 128 + 2 with `exit(128 + int32(sig))`).
    """
    go = toolchain.go()
    path = go.goroot / "src" / "runtime" / "signal_unix.go"
    lines = path.read_text().splitlines()
    start = next(i for i, l in enumerate(lines) if l.startswith("func dieFromSignal("))
    end = next(i for i in range(start, len(lines)) if lines[i] == "}")
    found = [(i + 1, lines[i].strip()) for i in range(start, end) if re.match(r"\s*exit\(", lines[i])]
    if not found:
        raise SigcampError(f"no exit( call in dieFromSignal in {path}: update die_from_signal_fallback")
    line, text = found[-1]
    arg = text[len("exit("):-1]
    status = int(arg) if arg.isdigit() else 128 + 2 if "sig" in arg else None
    return {"go": go.version_text, "where": f"runtime/signal_unix.go:{line}", "text": text, "status": status}


def check_script(program, *args, pid1=True, expect=130, ready="READY", timeout=3.0):
    """Run scripts/check-ctrl-c on a sample name or an executable; return (exit code, its output).

    The script exits 0 when Ctrl+C produced status `expect`, 1 when not.
    """
    path, args, env = _argv(program, tuple(map(str, args)))
    argv = [str(SCRIPT), *(["--pid1"] if pid1 else []), "--expect", str(expect), "--ready", ready,
            "--timeout", str(int(timeout) or 1), "--", path, *args]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, **env}, start_new_session=True,
                            preexec_fn=session.child_setup)
    try:
        out, _ = proc.communicate(timeout=4 * timeout + 10)
    except BaseException:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise
    return proc.returncode, out.replace(str(toolchain.ROOT) + "/", "")

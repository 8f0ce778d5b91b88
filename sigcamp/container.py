"""PID 1 without Docker: a program as the init of a new PID namespace, on a real PTY.

`unshare --pid --fork --mount-proc --kill-child PROGRAM` is what a container runtime does
to an entry point, minus the image. `start_pid1()` runs that on a PTY (Ctrl+C is real),
`processes()` lists a namespace, `check_script()` runs scripts/check-ctrl-c. Closing kills
the namespace's init (the kernel then kills the whole namespace), then the group.
The experiments on PID 1 are in `pid1`, `pid1_kernel` and `pid1_trace`.
"""

import os
import signal
import subprocess
import time
from pathlib import Path

import pandas as pd

from . import procfs, samples, session, toolchain
from .errors import NotReady, SigcampError
from .i18n import N_, _

SYS_RT_SIGTIMEDWAIT = {"x86_64": 128, "aarch64": 137}.get(os.uname().machine)
UNSHARE = ("--pid", "--fork", "--mount-proc", "--kill-child")
SCRIPT = toolchain.ROOT / "scripts" / "check-ctrl-c"
# A signal's disposition as dispositions() names it ("sigtimedwait": no handler, taken by a thread waiting for it).
CAUGHT, IGNORED, DEFAULT = N_("caught"), N_("ignored"), N_("default")
COLUMNS = (N_("pid here"), N_("pid inside"), N_("parent inside"), N_("command"))


def _unshare():
    for d in ("/usr/bin", "/bin", "/usr/sbin"):
        if Path(d, "unshare").is_file():
            return str(Path(d, "unshare"))
    raise SigcampError("unshare (util-linux) not found: apt-get install util-linux")


def children(pid):
    """The PIDs of a process's children (from /proc/PID/task/PID/children); [] once it is gone."""
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except (OSError, ValueError):
        return []


def nspid(pid):
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
            kids = children(running.pid)
            if kids:
                self.init_pid = kids[0]
            elif time.monotonic() > deadline or not running.alive():
                raise NotReady(f"unshare started no PID 1; output:\n{running.output}")
            else:
                time.sleep(0.005)
        self.nspid = nspid(self.init_pid)

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
    return ", ".join(IGNORED if s in st["ignored"] else CAUGHT if s in st["caught"]
                     else "sigtimedwait" if waiting else DEFAULT for s in signals)


def processes(init_pid):
    """Every process of the namespace whose init is `init_pid`, PID 1 first, parents before children.

    One row per process: pid here, pid inside, parent inside (0 for PID 1), command.
    """
    rows, todo = [], [init_pid]
    while todo:
        pid = todo.pop(0)
        try:
            ids = nspid(pid)
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().rstrip(b"\0").replace(b"\0", b" ").decode()
            ppid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except OSError:
            continue
        parent = nspid(ppid)[-1] if pid != init_pid else 0
        rows.append({"pid here": pid, "pid inside": ids[-1], "parent inside": parent, "command": cmd})
        todo += children(pid)
    return pd.DataFrame(rows, columns=["pid here", "pid inside", "parent inside", "command"])


def pid1_tree(program, *args, settle=0.3):
    """Who is PID 1, and who runs under it, when `program ARGS` is a namespace's entry point
    (processes() of that namespace, `settle` s after it started)."""
    with start_pid1(program, args=args, ready=None) as ns:
        time.sleep(settle)
        return processes(ns.init_pid)


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


def script_said(status, report):
    """check_script()'s output as it printed it, then its exit code in the reader's language."""
    return report.rstrip("\n") + "\n" + _("script exit code: {status} ({meaning})").format(
        status=status, meaning=_("passed") if status == 0 else _("failed"))

"""Start one student's server: bounded, in its own PID namespace, as the student's Unix user.

    python -m sigcamp.hub.launch --unix USER [--memory BYTES] [--pids N] [--hide DIR]...
        [--cover FILE:OVER]... -- COMMAND...

Run by the hub as root. In order:
1. the process joins the student's cgroups (memory, pids, CPU share; limits.py), so everything the
   student ever starts is bounded together;
2. it makes a new PID namespace and mount namespace and forks the namespace's PID 1, which mounts
   a /proc of its own there: the student sees their own processes and nobody else's (and cannot
   name, let alone signal, anyone else's), while a Ctrl+C, ptrace, strace and delve work on their
   own programs as on any Linux box. The course's PID 1 experiments nest their own namespaces
   below this one (unprivileged, through a user namespace);
3. folders the students must not read (the hub's state, grades) get an empty tmpfs over them, and
   each lab's solution notebook gets the lab's release over it (`--cover`);
4. PID 1 drops to the student's UID and GID with no capabilities and no_new_privs, refreshes the
   student's workspace in their home (sigcamp.workspace, as the student: never as root in a
   folder the student controls) and runs COMMAND (the single-user server) as its child,
   forwarding SIGINT, SIGTERM and SIGHUP to it and reaping every orphan. When the server exits,
   PID 1 exits with its status and the kernel kills whatever is left in the namespace.
The outer process forwards the same signals to PID 1 and exits with its status; if the outer
process is killed, PID 1 is killed with it (PR_SET_PDEATHSIG).
"""

import argparse
import ctypes
import os
import pwd
import resource
import signal
import sys
import traceback

from . import limits

CLONE_NEWNS, CLONE_NEWPID = 0x00020000, 0x20000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS = 1, 38
FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

_libc = ctypes.CDLL(None, use_errno=True)


def _check(rc, what):
    if rc != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _mount(source, target, fstype, flags, data=None):
    enc = (lambda s: s.encode() if s is not None else None)
    _check(_libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)),
           f"mount {target}")


def _forward_to(pid):
    def handler(signum, _frame):
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass
    for sig in FORWARDED:
        signal.signal(sig, handler)


def _status_code(status):
    return os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)


def _isolate(hide, cover):
    """In the new mount namespace: private mounts, our own /proc, the masks."""
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    for d in hide:
        if os.path.isdir(d):
            _mount("tmpfs", d, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0755,size=64k")
    for src, dest in cover:
        if os.path.isfile(src) and os.path.isfile(dest):
            _mount(src, dest, None, MS_BIND)
            _mount(None, dest, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)


def _drop(account, pids_fallback):
    """Become the student: their UID and group only, no capabilities, no_new_privs."""
    if pids_fallback:  # no cgroup could bound the processes: the per-UID process limit does it
        resource.setrlimit(resource.RLIMIT_NPROC, (pids_fallback, pids_fallback))
    os.setgroups([account.pw_gid])
    os.setresgid(account.pw_gid, account.pw_gid, account.pw_gid)
    os.setresuid(account.pw_uid, account.pw_uid, account.pw_uid)
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    os.chdir(account.pw_dir)


def _refresh_workspace(home):
    """The student's workspace in their home, and the start-up file of their terminals."""
    from .. import lab, workspace
    try:
        lab.terminal_rc(home, prefix=sys.prefix)
        for line in workspace.create(home).lines():
            print(f"workspace: {line}", file=sys.stderr, flush=True)
    except Exception as e:  # the server starts anyway: the student's files are theirs to fix
        print(f"workspace: not refreshed: {e}", file=sys.stderr, flush=True)


def _init(argv, account, pids_fallback, hide, cover, outer):
    """PID 1 of the student's namespace."""
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    os.set_blocking(outer, False)
    try:
        if os.read(outer, 1) == b"":  # end of file: the outer process died before the line above
            os._exit(1)
    except BlockingIOError:
        pass
    os.close(outer)
    _isolate(hide, cover)
    _drop(account, pids_fallback)
    server = os.fork()
    if server == 0:
        for sig in FORWARDED:
            signal.signal(sig, signal.SIG_DFL)
        _refresh_workspace(account.pw_dir)
        os.execvp(argv[0], argv)
    _forward_to(server)
    while True:
        pid, status = os.waitpid(-1, 0)
        if pid == server:
            os._exit(_status_code(status))


def run(argv, *, unix, memory, pids, hide=(), cover=(), cgroups=True):
    """Start `argv` for Unix user `unix` as described in the module's doc; return its exit code."""
    account = pwd.getpwnam(unix)
    pids_fallback = 0
    if cgroups:
        made = limits.make(unix, limits.Limits(memory=memory, pids=pids))
        limits.enter(made)
        pids_fallback = 0 if ("pids" in made or "unified" in made) else pids
    _check(_libc.unshare(CLONE_NEWNS | CLONE_NEWPID), "unshare (the hub runs as root)")
    alive_r, alive_w = os.pipe()  # PID 1 reads end of file here once the outer process is gone
    child = os.fork()
    if child == 0:
        try:
            os.close(alive_w)
            _init(argv, account, pids_fallback, hide, cover, alive_r)
        except BaseException:
            traceback.print_exc()
        os._exit(1)
    os.close(alive_r)
    _forward_to(child)
    while True:
        pid, status = os.waitpid(child, 0)
        if pid == child:
            return _status_code(status)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if "--" not in argv:
        print("usage: python -m sigcamp.hub.launch --unix USER [...] -- COMMAND...", file=sys.stderr)
        return 2
    split = argv.index("--")
    p = argparse.ArgumentParser(prog="python -m sigcamp.hub.launch")
    p.add_argument("--unix", required=True)
    p.add_argument("--memory", type=int, default=limits.Limits.memory)
    p.add_argument("--pids", type=int, default=limits.Limits.pids)
    p.add_argument("--hide", action="append", default=[])
    p.add_argument("--cover", action="append", default=[], help="FILE:OVER, FILE bound read-only over OVER")
    p.add_argument("--no-cgroups", dest="cgroups", action="store_false",
                   help="the caller bounds the server itself (a systemd scope)")
    a = p.parse_args(argv[:split])
    cover = [tuple(c.split(":", 1)) for c in a.cover]
    return run(argv[split + 1:], unix=a.unix, memory=a.memory, pids=a.pids, hide=a.hide, cover=cover,
               cgroups=a.cgroups)


if __name__ == "__main__":
    sys.exit(main())

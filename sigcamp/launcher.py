"""A stand-in for the interactive shell a student types into.

Run as the PTY's session leader for launches other than "direct": it ignores
SIGINT and SIGQUIT as an interactive shell does, starts the program the way the
launch names, writes the program's PID to a file, adopts orphans (it is a child
subreaper), and exits with the program's own status.

    python -m sigcamp.launcher MODE PIDFILE PROGRAM [ARGS...]

MODE: setsid      `setsid PROGRAM`: a new session, away from the terminal
      background  `sh -c 'PROGRAM &'`: a non-interactive shell's background job
      nohup       `nohup PROGRAM`, its output relayed through a pipe (nohup would
                  otherwise send it to ./nohup.out, since stdout is a terminal)
      pid1        `unshare --pid --fork --mount-proc --kill-child PROGRAM`: PID 1 of a
                  new PID namespace, as a container runs its entry point; the PID
                  file gets PID 1's PID as seen from here
"""

import ctypes
import os
import signal
import sys
import threading
import time

PR_SET_CHILD_SUBREAPER = 36
PR_SET_PDEATHSIG = 1


def _default_signals():
    for sig in (signal.SIGINT, signal.SIGQUIT, signal.SIGTERM, signal.SIGHUP, signal.SIGPIPE):
        signal.signal(sig, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def command(mode, pidfile, argv):
    """The argv that starts `argv` the way `mode` says; the program's PID ends up in pidfile."""
    if mode == "setsid":
        return ["setsid", *argv]
    if mode == "nohup":
        return ["nohup", *argv]
    if mode == "background":
        script = '"$@" & echo $! > "$PIDFILE"; wait $!'
        return ["sh", "-c", script, "sh", *argv]
    if mode == "pid1":
        user = [] if os.geteuid() == 0 else ["--user", "--map-root-user"]  # unprivileged: a user namespace too
        return ["unshare", *user, "--pid", "--fork", "--mount-proc", "--kill-child", *argv]
    raise SystemExit(f"unknown launch mode {mode!r}")


def main(argv):
    mode, pidfile, *prog = argv
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGQUIT, signal.SIG_IGN)
    env = dict(os.environ, PIDFILE=pidfile)
    relay = os.pipe() if mode == "nohup" else None
    pid = os.fork()
    if pid == 0:
        try:
            _default_signals()
            if relay:
                os.dup2(relay[1], 1)
                os.close(relay[0])
                os.close(relay[1])
            os.execvpe(command(mode, pidfile, prog)[0], command(mode, pidfile, prog), env)
        finally:
            os._exit(127)
    if relay:
        os.close(relay[1])
        threading.Thread(target=_copy, args=(relay[0], 1), daemon=True).start()
    if mode == "pid1":
        threading.Thread(target=_write_init_pid, args=(pidfile, pid), daemon=True).start()
    elif mode != "background":
        _write_pid(pidfile, pid)  # setsid (not a group leader here) and nohup exec in place
    target = pid if mode != "background" else None
    status = None
    while True:
        try:
            done, st = os.waitpid(-1, 0)
        except ChildProcessError:
            break
        if target is None:
            target = _read_pid(pidfile)
        if done == target:
            status = st
    if status is None:
        os._exit(127)
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        signal.signal(sig, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, [sig])
        os.kill(os.getpid(), sig)
    os._exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 1)


def _copy(src, dst):
    while chunk := os.read(src, 65536):
        os.write(dst, chunk)


def _write_pid(path, pid):
    tmp = f"{path}.tmp"
    with open(tmp, "w") as f:
        f.write(str(pid))
    os.replace(tmp, path)


def _write_init_pid(path, unshare_pid, timeout=10):
    """Write the PID of unshare's child (the namespace's PID 1) once it exists."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            children = open(f"/proc/{unshare_pid}/task/{unshare_pid}/children").read().split()
        except OSError:
            return
        if children:
            _write_pid(path, int(children[0]))
            return
        time.sleep(0.005)


def _read_pid(path):
    try:
        return int(open(path).read().strip())
    except (OSError, ValueError):
        return None


if __name__ == "__main__":
    main(sys.argv[1:])

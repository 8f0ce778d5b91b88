"""Starting a prebuilt course program inside a probe's sandbox, without the course library.

The probe's build directory (SIGCAMP_BUILD) holds the lab's samples, built by the
grader; its bin/ belongs to root, so the student's code can run them but not
replace them (and, for a sealed sample, not read it either: see grader.jobs).
"""

import os
import select
import signal
import subprocess
import time
from pathlib import Path


def binary(name):
    """The path of the prebuilt sample `name` (the file's name, hash included)."""
    return Path(os.environ.get("SIGCAMP_BUILD", "/build")) / "bin" / name


def reset_signals():
    """Runs in a child before exec: default dispositions, nothing blocked."""
    for sig in (signal.SIGINT, signal.SIGQUIT, signal.SIGTERM, signal.SIGHUP, signal.SIGPIPE, signal.SIGUSR1,
                signal.SIGUSR2, signal.SIGCHLD):
        signal.signal(sig, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_SETMASK, [])


class Program:
    """A program started with a pipe for its output (which only this process holds), in its own session."""

    def __init__(self, path, args=(), *, ready="READY", timeout=10.0):
        self.proc = subprocess.Popen([str(path), *args], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=reset_signals)
        self.pid = self.proc.pid
        self.text = b""
        if ready and not self.read_until(ready.encode(), time.monotonic() + timeout):
            self.close()
            raise RuntimeError(f"{Path(path).name} did not print {ready} within {timeout:g} s")

    def read_until(self, marker, deadline):
        """Read output until `marker` appears (True) or the deadline or EOF (False)."""
        fd = self.proc.stdout.fileno()
        while marker not in self.text:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                return False
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                return False
            self.text += chunk
        return True

    def close(self):
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.wait()
        self.proc.stdout.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def kill_others(keep=()):
    """SIGKILL every process of this UID but this one and `keep` (what an earlier child left behind)."""
    me, uid = os.getpid(), os.getuid()
    if uid == 0:
        return 0
    killed = 0
    for _ in range(100):
        found = []
        for name in os.listdir("/proc"):
            if not name.isdigit() or int(name) in (me, *keep):
                continue
            try:
                with open(f"/proc/{name}/status") as f:
                    fields = dict(line.split(":", 1) for line in f if ":" in line)
                if not fields["State"].strip().startswith("Z") and int(fields["Uid"].split()[0]) == uid:
                    found.append(int(name))
            except (OSError, KeyError, ValueError):
                continue
        if not found:
            return killed
        for pid in found:
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except OSError:
                pass
        time.sleep(0.005)
    return killed

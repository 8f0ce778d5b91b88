"""strace attached to processes that already run: what a debugger or an init does to them.

`Attached(pids, calls=...)` is a context manager: it attaches `strace -f` to each
PID (every thread, and the children they start), waits until strace holds them
all, and on leaving detaches and parses what it recorded (`trace.parse`) into
`.events`. The recorded lines keep the PIDs as seen from here.
"""

import os
import re
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from . import session, toolchain, trace
from .errors import SigcampError

SENDING = ("kill", "tgkill", "tkill")


class Attached:
    """strace -f on running processes; `.events` (a trace.parse DataFrame) once the block ends.

    calls: the system calls to record; signals: "all" records every signal the
    kernel delivers to them (strace's `--- SIGINT {...} ---` lines), "none" none.
    """

    def __init__(self, pids, *, calls=SENDING, signals="none", timeout=5):
        pids = [pids] if isinstance(pids, int) else list(pids)
        toolchain.BUILD.mkdir(parents=True, exist_ok=True)
        fd, self.path = tempfile.mkstemp(prefix="strace-attach-", suffix=".txt", dir=toolchain.BUILD)
        os.close(fd)
        self.events = None
        self.text = ""
        argv = [str(toolchain.strace()), "-f", "-o", self.path, "-e", "trace=" + ",".join(calls),
                "-e", f"signal={signals}"]
        for pid in pids:
            argv += ["-p", str(pid)]
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                     preexec_fn=session.child_setup)
        # strace says "Process N attached" once for each PID it was given, after it holds all its threads
        self._attached, self._wanted, self._ready = 0, len(pids), threading.Event()
        self._notes = []
        threading.Thread(target=self._read_notes, daemon=True).start()
        if not self._ready.wait(timeout):
            self.stop()
            raise SigcampError(f"strace could not attach to {pids} within {timeout} s: {''.join(self._notes)}")

    def _read_notes(self):
        for line in self.proc.stderr:
            self._notes.append(line)
            if " attached" in line:
                self._attached += 1
                if self._attached >= self._wanted:
                    self._ready.set()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def wait_for(self, pattern, *, timeout=2.0):
        """Wait until a line of the record so far matches `pattern` (a regular expression); True if one did.

        A call the process was already inside when strace attached is not recorded: wait for the next
        one to begin before relying on it.
        """
        found = re.compile(pattern, re.M)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.path and found.search(Path(self.path).read_text()):
                return True
            time.sleep(0.01)
        return False

    def stop(self, *, settle=0.0):
        """Detach strace (SIGINT; it lets go of every tracee) and return the recorded events.

        settle: seconds to wait first, for the last lines to be written.
        """
        if settle:
            time.sleep(settle)
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
        self.text = Path(path).read_text()
        Path(path).unlink(missing_ok=True)
        self.events = trace.parse(self.text)
        return self.events


def aimed_at(events, pid):
    """The kill/tgkill/tkill calls in `events` that target process `pid` (kill's first argument,
    tgkill's thread group): a debugger's own SIGURGs to itself are left out."""
    sends = events[events.call.isin(SENDING)]
    group = sends.raw.str.extract(r"^\w+\((-?\d+),", expand=False).astype(float).abs()
    return sends[group == pid]

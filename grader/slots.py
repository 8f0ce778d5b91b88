"""Grading slots: one unprivileged UID for each submission running at once on a machine.

A slot is held through an flock on <lock dir>/<n>.lock, so threads, grader
processes and Dask workers on one machine never share a UID, and a lock dies
with the process that held it. Taking a slot first kills whatever its UID still
runs, so nothing of an earlier submission can outlive it into the next.
"""

import contextlib
import fcntl
import os
import tempfile
import time
from pathlib import Path

from sigcamp import procfs

BASE_UID = 61000
MAX_SLOTS = 64
LOCK_DIRS = (Path("/run/sigcamp-grader/slots"), Path(tempfile.gettempdir()) / "sigcamp-grader-slots")


def uid(slot):
    """The UID a slot's sandboxes run as."""
    return BASE_UID + slot


def lock_dir():
    """The machine-wide directory of slot locks (the first of LOCK_DIRS that can be made)."""
    for d in LOCK_DIRS:
        try:
            d.mkdir(parents=True, exist_ok=True, mode=0o700)
            if os.access(d, os.W_OK):
                return d
        except OSError:
            continue
    raise OSError(f"no writable directory for grading slot locks among {', '.join(map(str, LOCK_DIRS))}")


def processes_of(user):
    """PIDs of live processes (zombies aside) whose real UID is `user`."""
    return [pid for pid, _, real_uid in procfs.live_processes() if real_uid == user]


def kill_user(user, *, timeout=5.0):
    """SIGKILL every process of `user` until none is left; returns how many kills were sent."""
    return procfs.kill_until_gone(lambda: processes_of(user), timeout=timeout)


@contextlib.contextmanager
def acquire(*, poll=0.05, max_slots=MAX_SLOTS):
    """Hold a free slot for the duration of the block (waits while all are taken); yields its number."""
    d = lock_dir()
    while True:
        for n in range(max_slots):
            fd = os.open(d / f"{n}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            try:
                if os.geteuid() == 0:
                    kill_user(uid(n))
                yield n
            finally:
                os.close(fd)
            return
        time.sleep(poll)

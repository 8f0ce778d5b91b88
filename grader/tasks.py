"""One grading task per submission, the same on a local thread and on a Dask worker.

grade_task takes plain data (the lab's name, the student's name, the notebook as
a path or as bytes, options) and returns plain data (the Graded as JSON and the
executed notebook's bytes), so a Dask cluster can run it anywhere the repo sits
at the same path. It holds a machine-wide grading slot (grader.slots) while it
runs, and its job directory lives in a per-process directory that a later
process removes if this one was killed.
"""

import atexit
import fcntl
import os
import shutil
import sys
import tempfile
import threading
from pathlib import Path

sys.modules.setdefault("rfc3987_syntax", None)  # an optional jsonschema import that costs ~2 s

from . import labs, slots, students  # noqa: E402
from .grade import grade  # noqa: E402
from .sandbox import Sandbox  # noqa: E402

JOBS_PREFIX = "sigcamp-jobs-"
_lock = threading.Lock()
_root = []


def jobs_root():
    """This process's directory for job dirs (mode 0700, locked while the process lives)."""
    with _lock:
        if _root:
            return _root[0]
        base = Path(os.environ.get("SIGCAMP_JOBS_DIR") or tempfile.gettempdir())
        base.mkdir(parents=True, exist_ok=True)
        remove_stale_jobs(base)
        root = Path(tempfile.mkdtemp(prefix=JOBS_PREFIX, dir=base))
        fd = os.open(root / ".lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        atexit.register(shutil.rmtree, root, True)
        _root.append(root)
        return root


def remove_stale_jobs(base):
    """Remove job directories under `base` whose process is gone (its lock is free); returns how many."""
    removed = 0
    for d in Path(base).glob(JOBS_PREFIX + "*"):
        try:
            fd = os.open(d / ".lock", os.O_RDWR | os.O_CLOEXEC)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            continue
        finally:
            os.close(fd)
        shutil.rmtree(d, ignore_errors=True)
        removed += 1
    return removed


def grade_task(lab_name, student, notebook, *, sandbox=True, timeout=None, cell_timeout=None):
    """Grade one notebook (a path, or its bytes) of `student`; returns {"graded": json, "executed": bytes|None}."""
    lab = labs.find(lab_name)
    root = jobs_root()
    inbox = None
    if isinstance(notebook, bytes):
        inbox = Path(tempfile.mkdtemp(dir=root, prefix="in-"))
        path = inbox / f"{students.path_form(student)}.ipynb"
        path.write_bytes(notebook)
    else:
        path = Path(notebook)
    try:
        options = dict(jobs_dir=root, student=student, timeout=timeout, cell_timeout=cell_timeout)
        if sandbox:
            with slots.acquire() as slot:
                g = grade(lab, path, sandbox=Sandbox(slot=slot), **options)
        else:
            g = grade(lab, path, sandbox=Sandbox(enabled=False), **options)
    finally:
        if inbox:
            shutil.rmtree(inbox, ignore_errors=True)
    return {"graded": g.to_json(), "executed": g.executed}

"""The grader's commands, one function each; the CLI in __main__ reads its defaults from them."""

import contextlib
import hashlib
import os
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from . import feedback, gradebook, labs, slots, tasks
from . import release as releasing
from . import sandbox as sandbox_module
from .grade import MAX_NOTEBOOK, Graded, digest, grade, lab_digest, student_name
from .sandbox import Sandbox


def release(lab, *, dest=None):
    """Write a lab's student release (notebook with solutions stubbed, plus its files).

    Args:
        lab: the lab's name or number.
        dest: where to write it (default: labs/<lab>/release/).
    """
    out = releasing.release(labs.find(lab), Path(dest) if dest else None)
    print(f"released {lab} to {out}")
    return 0


def grade_all(lab, submissions, *, jobs=os.cpu_count() or 1, out="grades", sandbox=True, progress=True,
              scheduler=None, timeout=None, cell_timeout=None):
    """Grade notebooks and write the gradebook, results and per-student feedback.

    Args:
        lab: the lab's name or number.
        submissions: notebook files (a student is named by the file's stem, or by its
            folder when the file is called <lab>.ipynb).
        jobs: submissions graded at once on this machine (ignored with a scheduler).
        out: output directory (gradebook.csv, results.json, feedback/, executed/, journal.jsonl).
        sandbox: run each submission in a bubblewrap sandbox (turn off only for trusted work).
        progress: show a progress bar with an ETA.
        scheduler: address of a Dask scheduler (tcp://host:8786): grade on its workers.
        timeout: lower the lab's wall clock per notebook (seconds).
        cell_timeout: lower the lab's timeout per cell (seconds).

    Each finished submission is journaled at once; run the same command again after
    a crash and it grades only what is missing.
    Returns 0, or 1 when the grader itself failed on some submission (not for students' faults).
    """
    lab = labs.find(lab)
    out = Path(out)
    sandbox_module.STOP.clear()
    journal = gradebook.Journal(out)
    done = journal.load()
    ldig = lab_digest(lab)
    todo, finished, faults, seen = [], [], [], set()
    for path in map(Path, submissions):
        if not path.is_file():
            faults.append(f"{path}: no such file")
            continue
        student = student_name(path, lab)
        key = (student, lab.name, digest(path), ldig)
        if key in seen:
            continue
        seen.add(key)
        if key in done:
            finished.append(done[key])
        else:
            todo.append((student, path))
    reused = len(finished)
    options = dict(sandbox=sandbox, timeout=timeout, cell_timeout=cell_timeout)
    bar = _bar(len(todo), progress)
    try:
        with _pool(jobs, scheduler) as pool:
            futures = {pool.submit(lab, student, path, options): (student, path) for student, path in todo}
            for fut in pool.as_completed(futures):
                student, path = futures[fut]
                try:
                    reply = fut.result()
                    g = Graded.from_json(reply["graded"])
                    if g.lab_digest != ldig:
                        raise RuntimeError(f"the worker has another copy of {lab.name} (its checks differ)")
                except Exception as e:  # the grader's own fault: report, go on
                    faults.append(f"{path}: {type(e).__name__}: {e}")
                else:
                    _keep_executed(out, g, reply.get("executed"))
                    journal.append(g)
                    finished.append(g)
                bar.update(1)
    except BaseException:
        sandbox_module.STOP.set()  # stop the sandboxes still running; nothing more is journaled
        raise
    finally:
        bar.close()
    gradebook.write(out, finished)
    feedback.write_all(out, finished)
    for f in faults:
        print(f"grader fault: {f}", file=sys.stderr)
    print(f"graded {len(finished) - reused} submission(s) of {lab.name}, {reused} already in the journal; "
          f"gradebook in {out / 'gradebook.csv'}")
    return 1 if faults else 0


class _Local:
    """Grading tasks on this machine's threads."""

    def __init__(self, jobs):
        self.executor = ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="grade")

    def submit(self, lab, student, path, options):
        return self.executor.submit(tasks.grade_task, lab.name, student, str(path), **options)

    def as_completed(self, futures):
        return as_completed(futures)

    def close(self):
        self.executor.shutdown(wait=True, cancel_futures=True)


class _Dask:
    """Grading tasks on a Dask cluster's workers (the notebook travels as bytes)."""

    def __init__(self, address):
        from distributed import Client
        self.client = Client(address, timeout=30)

    def submit(self, lab, student, path, options):
        if Path(path).stat().st_size > MAX_NOTEBOOK:  # too big to send: refused here, without running it
            return _Ready(tasks.grade_task(lab.name, student, str(path), **options))
        data = Path(path).read_bytes()
        return self.client.submit(tasks.grade_task, lab.name, student, data, **options, pure=False,
                                  key=f"grade-{lab.name}-{student}-{hashlib.sha256(data).hexdigest()[:12]}")

    def as_completed(self, futures):
        from distributed import as_completed as dask_completed
        ready = [f for f in futures if isinstance(f, _Ready)]
        yield from ready
        remote = [f for f in futures if not isinstance(f, _Ready)]
        if remote:
            yield from dask_completed(remote)

    def close(self):
        self.client.close()


class _Ready:
    """A result computed on the spot, shaped like a future."""

    def __init__(self, value):
        self.value = value

    def result(self):
        return self.value


@contextlib.contextmanager
def _pool(jobs, scheduler):
    pool = _Dask(scheduler) if scheduler else _Local(jobs)
    try:
        yield pool
    finally:
        pool.close()


def _keep_executed(out, graded, data):
    """out/executed/<lab>/<student>.ipynb: the notebook as it ran, for the instructor."""
    if not data:
        return
    d = out / "executed" / graded.lab
    d.mkdir(parents=True, exist_ok=True)
    tmp = d / f".{graded.student}.ipynb.tmp"
    tmp.write_bytes(data)
    os.replace(tmp, d / f"{graded.student}.ipynb")


def check(lab, notebook, *, sandbox=True):
    """Run a lab's public checks on one notebook and print the result (for students).

    Args:
        lab: the lab's name or number.
        notebook: the student's notebook.
        sandbox: run it in the sandbox.
    """
    lab = labs.find(lab)
    held = slots.acquire() if sandbox else contextlib.nullcontext(0)
    with tempfile.TemporaryDirectory(prefix="sigcamp-check-") as d, held as slot:
        g = grade(lab, notebook, jobs_dir=d, sandbox=Sandbox(slot=slot, enabled=sandbox), public_only=True)
    for r in g.rows:
        print(f"{r.status:7} {r.points:g}/{r.max_points:g}  {r.check}: {r.message}")
    for note in g.notes:
        print(f"note: {note}")
    return 0


class _NoBar:
    def update(self, n):
        pass

    def close(self):
        pass


def _bar(total, enabled):
    if not enabled or total == 0:
        return _NoBar()
    from tqdm import tqdm
    return tqdm(total=total, disable=not enabled or total == 0, unit="submission", file=sys.stderr)

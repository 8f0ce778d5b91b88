"""The grader's commands, one function each; the CLI in __main__ reads its defaults from them."""

import os
import queue
import shutil
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from . import feedback, gradebook, labs
from . import release as releasing
from .grade import grade
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


def grade_all(lab, submissions, *, jobs=os.cpu_count() or 1, out="grades", sandbox=True, progress=True):
    """Grade notebooks and write the gradebook, results and per-student feedback.

    Args:
        lab: the lab's name or number.
        submissions: notebook files (a student is named by the file's stem, or by its
            folder when the file is called <lab>.ipynb).
        jobs: submissions graded at once.
        out: output directory (gradebook.csv, results.json, feedback/, journal.jsonl).
        sandbox: run each submission in a bubblewrap sandbox (turn off only for trusted work).
        progress: show a progress bar with an ETA.

    Returns 0, or 1 when the grader itself failed on some submission (not for students' faults).
    """
    lab = labs.find(lab)
    out = Path(out)
    journal = gradebook.Journal(out)
    done = journal.load()
    todo, finished, faults = [], [], []
    seen = set()
    from .grade import digest, student_name
    for path in map(Path, submissions):
        if not path.is_file():
            faults.append(f"{path}: no such file")
            continue
        key = (student_name(path, lab), lab.name, digest(path))
        if key in seen:
            continue
        seen.add(key)
        if key in done:
            finished.append(done[key])
        else:
            todo.append(path)
    slots = queue.Queue()
    for i in range(max(1, jobs)):
        slots.put(i)
    jobs_dir = Path(tempfile.mkdtemp(prefix="sigcamp-grade-", dir=out if out.exists() else None))

    def one(path):
        slot = slots.get()
        try:
            return grade(lab, path, jobs_dir=jobs_dir, sandbox=Sandbox(slot=slot, enabled=sandbox))
        finally:
            slots.put(slot)

    bar = _bar(len(todo), progress)
    try:
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            futures = {pool.submit(one, p): p for p in todo}
            for fut in as_completed(futures):
                try:
                    g = fut.result()
                except Exception as e:  # the grader's own fault: report, go on
                    faults.append(f"{futures[fut]}: {type(e).__name__}: {e}")
                else:
                    journal.append(g)
                    finished.append(g)
                bar.update(1)
    finally:
        bar.close()
        shutil.rmtree(jobs_dir, ignore_errors=True)
    gradebook.write(out, finished)
    feedback.write_all(out, finished)
    for f in faults:
        print(f"grader fault: {f}", file=sys.stderr)
    print(f"graded {len(finished)} submission(s) of {lab.name}; gradebook in {out / 'gradebook.csv'}")
    return 1 if faults else 0


def check(lab, notebook, *, sandbox=True):
    """Run a lab's public checks on one notebook and print the result (for students).

    Args:
        lab: the lab's name or number.
        notebook: the student's notebook.
        sandbox: run it in the sandbox.
    """
    lab = labs.find(lab)
    with tempfile.TemporaryDirectory(prefix="sigcamp-check-") as d:
        g = grade(lab, notebook, jobs_dir=d, sandbox=Sandbox(enabled=sandbox), public_only=True)
    for r in g.rows:
        print(f"{r.status:7} {r.points:g}/{r.max_points:g}  {r.check}: {r.message}")
    for note in g.notes:
        print(f"note: {note}")
    return 0


def _bar(total, enabled):
    from tqdm import tqdm
    return tqdm(total=total, disable=not enabled or total == 0, unit="submission", file=sys.stderr)

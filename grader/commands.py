"""The grader's commands, one function each; the CLI in __main__ reads its defaults from them."""

import contextlib
import hashlib
import os
import shutil
import sys
import tempfile
import unicodedata
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from sigcamp import i18n

from . import feedback, gradebook, labs, messages, slots, students, tasks
from . import release as releasing
from . import sandbox as sandbox_module
from .grade import MAX_NOTEBOOK, Graded, digest, grade, lab_digest, language, student_name
from .sandbox import Sandbox


def release(lab, *, dest=None):
    """Write a lab's student release (notebook with solutions stubbed, plus its files).

    Args:
        lab: the lab's name or number.
        dest: where to write it (default: labs/<lab>/release/).
    """
    lab = labs.find(lab)
    out = releasing.release(lab, Path(dest) if dest else None)
    print(f"released {lab.name} to {out}")
    return 0


class SubmissionsError(Exception):
    """Submissions that cannot be graded together (two files for one student, a name that is no name)."""


def grade_all(lab, submissions, *, jobs=os.cpu_count() or 1, out="grades", sandbox=True, progress=True,
              scheduler=None, timeout=None, cell_timeout=None):
    """Grade notebooks and rebuild the class's gradebook, results and per-student feedback.

    Args:
        lab: the lab's name or number.
        submissions: notebook files (a student is named by the file's stem, or by its
            folder when the file is called <lab>.ipynb; Unicode names are kept as given).
        jobs: submissions graded at once on this machine (ignored with a scheduler).
        out: the class's grades folder (journal.jsonl, gradebook.csv, results.json,
            feedback/, feedback.html, executed/): every lab and every command adds to it.
        sandbox: run each submission in a bubblewrap sandbox (turn off only for trusted work).
        progress: show a progress bar with an ETA.
        scheduler: address of a Dask scheduler (tcp://host:8786): grade on its workers.
        timeout: lower the lab's wall clock per notebook (seconds).
        cell_timeout: lower the lab's timeout per cell (seconds).

    Each finished submission is journaled at once; run the same command again after
    a crash and it grades only what is missing. The gradebook and feedback come from
    the whole journal: for each student and lab, the latest grading.
    Returns 0, or 1 when the grader itself failed on some submission (not for students' faults).
    """
    lab = labs.find(lab)
    out = Path(out)
    gradebook.claim(out, labs.names())
    sandbox_module.STOP.clear()
    journal = gradebook.Journal(out)
    current = gradebook.latest(journal.load())
    ldig = lab_digest(lab)
    faults, named = [], {}
    for path in map(Path, submissions):
        if not path.is_file():
            faults.append(f"{path}: no such file")
            continue
        try:
            student = student_name(path, lab)
        except students.StudentNameError as e:
            raise SubmissionsError(f"{path}: {e}; rename the file after the student") from None
        if student in named and named[student].resolve() != path.resolve():
            raise SubmissionsError(f"two notebooks for {student}: {named[student]} and {path}; "
                                   "grade one of them (a later command can grade the other)")
        named[student] = path
    todo, reused = [], 0
    for student, path in named.items():
        known = current.get((student, lab.name))
        if known is not None and known.key == (student, lab.name, digest(path), ldig):
            reused += 1
        else:
            todo.append((student, path))
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
                    faults += [f"{path} ({g.student}, {g.lab}): {f}" for f in g.faults]
                bar.update(1)
    except BaseException:
        sandbox_module.STOP.set()  # stop the sandboxes still running; nothing more is journaled
        raise
    finally:
        bar.close()
    everything = list(gradebook.latest(journal.load()).values())
    gradebook.write(out, everything)
    feedback.write_all(out, everything)
    for f in faults:
        print(f"grader fault: {f}", file=sys.stderr)
    print(f"graded {len(todo)} submission(s) of {lab.name}, {reused} already in the journal; "
          f"gradebook in {out / 'gradebook.csv'} ({len(everything)} student-lab pair(s) in all)")
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
                                  key=f"grade-{lab.name}-{students.path_form(student)}-"
                                      f"{hashlib.sha256(data).hexdigest()[:12]}")

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
    """out/executed/<lab>/<student's path form>.ipynb: the notebook as it ran, for the instructor."""
    d = out / "executed" / graded.lab
    name = f"{students.path_form(graded.student)}.ipynb"
    if not data:
        (d / name).unlink(missing_ok=True)  # no copy of an older run stands for this one
        return
    d.mkdir(parents=True, exist_ok=True)
    tmp = d / f".{name}.tmp"
    tmp.write_bytes(data)
    os.replace(tmp, d / name)


def sandbox_available():
    """Whether this machine can run the sandbox (root, bubblewrap and setpriv)."""
    return os.geteuid() == 0 and bool(shutil.which("bwrap")) and bool(shutil.which("setpriv"))


def check(lab, notebook, *, sandbox=None):
    """Run a lab's public checks on one notebook and print what each checked (for students), in the
    notebook's language.

    Args:
        lab: the lab's number (2, 02) or name.
        notebook: the student's notebook.
        sandbox: run it in the sandbox (default: when the machine can).
    """
    lab = labs.find(lab)
    path = Path(notebook)
    if not path.is_file():
        raise labs.LabError(f"no notebook {notebook}: give the path of your copy of {lab.notebook_name}")
    if sandbox is None:
        sandbox = sandbox_available()
    with i18n.speaking(language(path)):
        print(messages.say("check_header", lab=lab.name, notebook=path))
        if not sandbox:
            print(messages.say("check_unsandboxed"))
        held = slots.acquire() if sandbox else contextlib.nullcontext(0)
        with tempfile.TemporaryDirectory(prefix="sigcamp-check-") as d, held as slot:
            g = grade(lab, path, jobs_dir=d, sandbox=Sandbox(slot=slot, enabled=sandbox), public_only=True,
                      student="you")
        _print_check(lab, g)
    return 0


def _print_check(lab, g):
    """What `grader check` prints of a graded notebook: each public check in the student's words, why it
    did not pass and the evidence, the notes, then the points."""
    items = g.evidence.get("items", [])
    checks = {c.name: c for c in lab.checks()}
    width = max(_columns(messages.status(s)) for s in messages.STATUS)
    for r in g.rows:
        doc = checks[r.check].description() if r.check in checks else r.check
        word = messages.status(r.status)
        print(f"{word}{' ' * (width - _columns(word))} {r.points:g}/{r.max_points:g}  {doc}")
        if r.status != "pass":
            print(f"        {r.message}")
            for item in items:
                if item.get("check") == r.check and item.get("text", "").strip():
                    print("        " + messages.say("check_evidence", title=item.get("title")))
                    print("\n".join("          " + line for line in item["text"].strip().splitlines()[-30:]))
    for note in g.notes:
        print(messages.say("check_note", note=note))
    for fault in g.faults:
        print(f"grader fault: {fault}", file=sys.stderr)
    got = sum(r.points for r in g.rows)
    public = sum(c.points for c in checks.values() if c.public)
    rest = sum(c.points for c in checks.values()) - public
    summary = messages.public_points(got, public)
    print(messages.say("check_rest", summary=summary, rest=messages.instructor_points(rest)) if rest else summary)


def _columns(text):
    """How many terminal columns `text` takes (a Chinese character takes two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


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

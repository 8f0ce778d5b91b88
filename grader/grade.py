"""Grading one submission: prepare its job, run it in the sandbox, harvest, run the checks.

The notebook runs (with nbclient and its kernel) inside a sandbox; the checks
run afterwards here, in the grader's process, on the harvested evidence.
"""

import hashlib
import json
import re
import secrets
import shutil
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sigcamp import samples as sigcamp_samples

from .checks import Submission, load_answers

MAX_NOTEBOOK = 20 << 20     # bytes a submitted notebook may have
MAX_RESULT = 4 << 20        # bytes of result.json read back
MAX_CELL_OUTPUT = 200_000   # bytes of output kept per cell


@dataclass
class Row:
    student: str
    lab: str
    check: str
    points: float
    max_points: float
    status: str  # pass, fail, error, timeout
    message: str = ""


@dataclass
class Graded:
    student: str
    lab: str
    digest: str
    rows: list
    seconds: float = 0.0
    evidence: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)

    def to_json(self):
        return {**asdict(self), "rows": [asdict(r) for r in self.rows]}

    @classmethod
    def from_json(cls, data):
        return cls(**{**data, "rows": [Row(**r) for r in data["rows"]]})


def student_name(path, lab):
    """The student a submission belongs to: its file's stem, or its folder's name for `<lab>.ipynb`."""
    path = Path(path)
    name = path.parent.name if path.name == lab.notebook_name else path.stem
    return re.sub(r"[^A-Za-z0-9_.@-]", "_", name) or "anonymous"


def digest(path):
    """sha256 of the submission's bytes (what the journal keys finished work by)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _all(checks, student, lab, status, message):
    return [Row(student, lab.name, c.name, 0.0, c.points, status, message) for c in checks]


def precheck(path, lab):
    """A reason the file cannot be graded at all (not a notebook, too big, another lab's), or None."""
    size = Path(path).stat().st_size
    if size > MAX_NOTEBOOK:
        return f"the notebook is {size >> 20} MiB, over the {MAX_NOTEBOOK >> 20} MiB limit"
    try:
        nb = json.loads(Path(path).read_bytes())
    except (ValueError, UnicodeDecodeError) as e:
        return f"the file is not JSON, so not a notebook ({str(e)[:120]})"
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        return "the file is JSON but not a notebook (no list of cells)"
    meta = nb.get("metadata")
    other = meta.get("sigcamp_lab") if isinstance(meta, dict) else None
    if other and other != lab.name:
        return f"this notebook belongs to lab {other!r}, not {lab.name!r}"
    return None


def prepare_job(job, path, lab, settings, sandbox):
    """A fresh job directory: work/ (the notebook and the lab's release files), out/, build/, gocache/."""
    if job.exists():
        shutil.rmtree(job)
    work = job / "work"
    work.mkdir(parents=True)
    if lab.files.is_dir():
        shutil.copytree(lab.files, work, dirs_exist_ok=True)
    shutil.copyfile(path, work / lab.notebook_name)
    bin_dir = job / "build" / "bin"
    bin_dir.mkdir(parents=True)
    for name in settings["samples"]:  # prebuilt course samples, so the sandbox needs no cold build
        built = sigcamp_samples.build(name)
        shutil.copy2(built, bin_dir / built.name)
    for d in ("out", "gocache"):
        (job / d).mkdir()
    for d in ("work", "out", "build", "gocache"):
        sandbox.prepare(job / d)
    return job


def binds(job):
    return {job / "work": "/job", job / "out": "/out", job / "build": "/build", job / "gocache": "/gocache"}


def inside_env():
    return {"SIGCAMP_BUILD": "/build", "GOCACHE": "/gocache"}


def execute(job, lab, settings, sandbox):
    """Run the notebook in the sandbox; return (result dict or None, a reason when None, timed_out)."""
    nonce = secrets.token_hex(16)
    spec = {"notebook": f"/job/{lab.notebook_name}", "out": "/out", "nonce": nonce, "harvest": settings["harvest"],
            "cell_timeout": settings["cell_timeout"], "max_output": MAX_CELL_OUTPUT}
    if not sandbox.enabled:
        spec.update(notebook=str(job / "work" / lab.notebook_name), out=str(job / "out"))
    run = sandbox.run([sys.executable, "-m", "grader.runner"], binds=binds(job), chdir="/job" if sandbox.enabled
                      else job / "work", env=inside_env() if sandbox.enabled else
                      {"SIGCAMP_BUILD": str(job / "build"), "GOCACHE": str(job / "gocache")},
                      stdin=json.dumps(spec).encode(), wall=settings["timeout"])
    if run.timed_out:
        return None, f"the notebook did not finish within {settings['timeout']} s", True
    path = job / "out" / "result.json"
    if not path.is_file() or path.stat().st_size > MAX_RESULT:
        tail = run.stderr.decode(errors="replace").strip()[-600:]
        return None, f"the notebook run ended without a result (exit {run.returncode}): {tail}", False
    try:
        result = json.loads(path.read_text())
    except ValueError:
        return None, "the notebook run's result could not be read", False
    if not isinstance(result, dict) or result.get("nonce") != nonce:
        return None, "the result file was not written by the grader's runner (forged or stale)", False
    return result, None, False


class Probes:
    """Lets a check run a trusted experiment (grader.probes) on the student's files in a fresh sandbox."""

    def __init__(self, job, sandbox):
        self.job, self.sandbox = job, sandbox

    def __call__(self, name, *, wall=180, **kwargs):
        env = inside_env() if self.sandbox.enabled else {"SIGCAMP_BUILD": str(self.job / "build"),
                                                          "GOCACHE": str(self.job / "gocache")}
        run = self.sandbox.run([sys.executable, "-m", "grader.probe"], binds=binds(self.job),
                               chdir="/job" if self.sandbox.enabled else self.job / "work", env=env,
                               stdin=json.dumps({"name": name, "kwargs": kwargs}).encode(), wall=wall)
        if run.timed_out:
            raise AssertionError(f"the experiment {name} did not finish within {wall} s")
        lines = run.stdout.decode(errors="replace").strip().splitlines()
        try:
            reply = json.loads(lines[-1])
        except (IndexError, ValueError):
            raise RuntimeError(f"probe {name} gave no answer: {run.stderr.decode(errors='replace')[-800:]}") from None
        if "error" in reply:
            raise RuntimeError(f"probe {name} failed: {reply['error']}")
        return reply["value"]


def run_checks(checks, submission):
    """Each check's Row: pass (full points), fail (AssertionError: its message), error (anything else)."""
    rows = []
    for c in checks:
        before = len(submission.evidence)
        try:
            c(submission)
            rows.append(Row(submission.student, submission.lab, c.name, c.points, c.points, "pass", c.doc))
        except AssertionError as e:
            rows.append(Row(submission.student, submission.lab, c.name, 0.0, c.points, "fail",
                            str(e).strip()[:1000] or c.doc))
        except Exception as e:
            rows.append(Row(submission.student, submission.lab, c.name, 0.0, c.points, "error",
                            f"{type(e).__name__}: {str(e)[:800]}"))
        for ev in submission.evidence[before:]:
            ev.setdefault("check", c.name)
    return rows


def grade(lab, path, *, jobs_dir, sandbox, public_only=False):
    """Grade one submission file; returns a Graded (never raises for the student's faults)."""
    t0 = time.monotonic()
    path = Path(path)
    student = student_name(path, lab)
    checks = lab.checks(public_only=public_only)
    settings = lab.settings()
    problem = precheck(path, lab)
    dig = digest(path)
    if problem:
        return Graded(student, lab.name, dig, _all(checks, student, lab, "error", problem), time.monotonic() - t0)
    job = prepare_job(Path(jobs_dir) / f"{student}-{dig[:12]}", path, lab, settings, sandbox)
    result, reason, timed_out = execute(job, lab, settings, sandbox)
    if result is None:
        status = "timeout" if timed_out else "error"
        return Graded(student, lab.name, dig, _all(checks, student, lab, status, reason), time.monotonic() - t0)
    if result.get("notebook_error"):
        return Graded(student, lab.name, dig, _all(checks, student, lab, "error", result["notebook_error"]),
                      time.monotonic() - t0)
    answers, answer_errors = load_answers(result.get("answers") or "{}")
    if result.get("answers") is None:
        why = result.get("kernel_died") or "the answers were not reported (was print or sys.stdout replaced?)"
        answer_errors = {name: why for name in settings["harvest"]}
    sub = Submission(student, lab.name, job / "work", answers, answer_errors,
                     result.get("cell_errors") or [], sandbox=Probes(job, sandbox))
    rows = run_checks(checks, sub)
    notes = []
    if result.get("kernel_died"):
        notes.append(f"the kernel died: {result['kernel_died']}")
    for err in sub.cell_errors[:10]:
        notes.append(f"cell {err.get('cell')} raised {err.get('ename')}: {err.get('evalue')}")
    return Graded(student, lab.name, dig, rows, time.monotonic() - t0, {"items": sub.evidence}, notes)

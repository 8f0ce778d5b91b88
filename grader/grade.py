"""Grading one submission: prepare its job, run the notebook in the sandbox, collect its code, run the checks.

The notebook runs (with nbclient and its kernel) inside a sandbox; what comes back
(result.json, executed.ipynb) is read without following links, size-limited, and
result.json must carry the HMAC of a key only the runner was given. The checks run
afterwards, here; whatever they score comes from experiments in fresh sandboxes of
their own (grader.probing). Every text shown to the student is redacted, and said in the
submission's language (its metadata's "language": the Chinese edition's notebooks say
"zh"); what is scored never depends on it.
"""

import hashlib
import hmac
import json
import secrets
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sigcamp import i18n

from . import jobs, messages, rules, students
from .checks import Submission, TimedOut
from .jobs import MAX_EXECUTED, MAX_NOTEBOOK, MAX_RESULT  # noqa: F401 (part of this module's interface)
from .jobs import inside_env, seed_gocache  # noqa: F401
from .probing import ProbeFailed, Probes
from .redact import redactor

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
    """One graded submission. faults: what went wrong on the grader's side (for the instructor only)."""

    student: str
    lab: str
    digest: str
    rows: list
    seconds: float = 0.0
    evidence: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    lab_digest: str = ""
    faults: list = field(default_factory=list)
    probe_seconds: float = 0.0
    program_seconds: float = 0.0
    executed: bytes | None = field(default=None, repr=False, compare=False)
    language: str = "en"  # the submission's: its messages and feedback speak it

    def to_json(self):
        data = {**asdict(self), "rows": [asdict(r) for r in self.rows]}
        data.pop("executed")
        return data

    @classmethod
    def from_json(cls, data):
        data = {k: v for k, v in data.items() if k in cls.__dataclass_fields__ and k != "executed"}
        return cls(**{**data, "rows": [Row(**r) for r in data["rows"]]})

    @property
    def key(self):
        """What the journal knows a finished submission by."""
        return (self.student, self.lab, self.digest, self.lab_digest)


def student_name(path, lab):
    """The student a submission belongs to (see grader.students.of_submission)."""
    return students.of_submission(path, lab.notebook_name)


def digest(path):
    """sha256 of the submission's bytes (what the journal keys finished work by)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def lab_digest(lab):
    """sha256 of what grading a lab depends on (checks.py and its files): a changed check regrades."""
    h = hashlib.sha256()
    parts = [lab.dir / "checks.py", *(sorted(lab.files.rglob("*")) if lab.files.is_dir() else [])]
    for p in parts:
        if p.is_file():
            h.update(str(p.relative_to(lab.dir)).encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def _all(checks, student, lab, status, message):
    return [Row(student, lab.name, c.name, 0.0, c.points, status, message) for c in checks]


def language(path):
    """The language a submission file speaks (grader.messages.language_of); English when it cannot tell
    (too big, not JSON, no language in its metadata)."""
    try:
        if Path(path).stat().st_size > MAX_NOTEBOOK:
            return "en"
        return messages.language_of(json.loads(Path(path).read_bytes()))
    except (OSError, ValueError, UnicodeDecodeError, RecursionError, MemoryError):
        return "en"


def precheck(path, lab):
    """A reason the file cannot be graded at all (not a notebook, too big, another lab's), or None."""
    size = Path(path).stat().st_size
    if size > MAX_NOTEBOOK:
        return messages.say("too_big", mib=size >> 20, limit=MAX_NOTEBOOK >> 20)
    if size == 0:
        return messages.say("empty")
    try:
        nb = json.loads(Path(path).read_bytes())
    except (ValueError, UnicodeDecodeError) as e:
        return messages.say("not_json", why=str(e)[:120])
    except (RecursionError, MemoryError):
        return messages.say("too_deep")
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        return messages.say("no_cells")
    meta = nb.get("metadata")
    other = meta.get("sigcamp_lab") if isinstance(meta, dict) else None
    if other and other != lab.name:
        return messages.say("other_lab", other=str(other)[:60], lab=lab.name)
    return None


def execute(job, lab, settings, sandbox):
    """Run the notebook in the sandbox; return (result dict or None, a reason when None, timed_out, notes)."""
    key = secrets.token_hex(32)
    spec = {"notebook": f"/job/{lab.notebook_name}", "out": "/out", "key": key, "functions": settings["functions"],
            "cell_timeout": settings["cell_timeout"], "max_output": MAX_CELL_OUTPUT, "contained": sandbox.enabled}
    if not sandbox.enabled:
        spec.update(notebook=str(job / "work" / lab.notebook_name), out=str(job / "out"))
    run = sandbox.run(jobs.python("grader.runner"), binds=jobs.binds(job), chdir="/job" if sandbox.enabled
                      else job / "work", env=jobs.inside_env() if sandbox.enabled else
                      jobs.outside_env(job / "build"),
                      stdin=json.dumps(spec).encode(), wall=settings["timeout"], max_output=64 << 10)
    notes = _limit_notes(run, sandbox)
    if run.timed_out:
        return None, messages.say("wall", seconds=settings["timeout"]), True, notes
    if run.over_disk:
        return None, messages.say("disk", why=run.over_disk), False, notes
    data = jobs.read_back(job / "out" / "result.json", MAX_RESULT)
    if data is None:
        if run.oom_kills:
            why = messages.say("out_of_memory", mib=sandbox.limits.memory >> 20)
        else:
            why = f"exit {run.returncode}" + (f": {jobs.tail(run.stderr)}" if jobs.tail(run.stderr) else "")
        return None, messages.say("no_result", why=why), False, notes
    mac, _, body = data.partition(b"\n")
    if not hmac.compare_digest(mac, hmac.new(bytes.fromhex(key), body, hashlib.sha256).hexdigest().encode()):
        return None, messages.say("forged"), False, notes
    result = json.loads(body)
    result["out_of_memory"] = bool(run.oom_kills)
    executed = jobs.read_back(job / "out" / "executed.ipynb", MAX_EXECUTED)
    if executed is not None and hashlib.sha256(executed).hexdigest() == result.get("executed_sha256"):
        result["executed"] = executed
    return result, None, False, notes


def _limit_notes(run, sandbox):
    notes = []
    if run.oom_kills:
        notes.append(messages.say("oom_note", mib=sandbox.limits.memory >> 20, kills=run.oom_kills))
    if run.pids_refused:
        notes.append(messages.say("pids_note", refused=run.pids_refused, limit=sandbox.limits.pids))
    if run.output_bytes > 64 << 10:
        notes.append(messages.say("flood_note", mib=run.output_bytes >> 20))
    return notes


def run_checks(checks, submission, faults):
    """Each check's Row: pass (full points), fail (AssertionError: its message), timeout (TimedOut), or
    error (the grader's own fault: a short message here, the details in `faults`)."""
    rows = []
    for c in checks:
        before = len(submission.evidence)
        try:
            c(submission)
            rows.append(Row(submission.student, submission.lab, c.name, c.points, c.points, "pass",
                            c.description()))
        except TimedOut as e:
            rows.append(Row(submission.student, submission.lab, c.name, 0.0, c.points, "timeout",
                            str(e).strip()[:500] or messages.say("probe_timeout")))
        except AssertionError as e:
            rows.append(Row(submission.student, submission.lab, c.name, 0.0, c.points, "fail",
                            str(e).strip()[:1000] or c.description()))
        except Exception as e:
            faults.append(f"{c.name}: {type(e).__name__}: {str(e)[:3000]}")
            rows.append(Row(submission.student, submission.lab, c.name, 0.0, c.points, "error",
                            messages.say("grader_fault")))
        for ev in submission.evidence[before:]:
            ev.setdefault("check", c.name)
    return rows


def _effective(settings, timeout, cell_timeout):
    """The lab's settings, with the wall clock and per-cell timeout lowered where asked."""
    settings = dict(settings)
    if timeout:
        settings["timeout"] = min(settings["timeout"], timeout)
    if cell_timeout:
        settings["cell_timeout"] = min(settings["cell_timeout"], cell_timeout)
    return settings


def submission(result, *, student, lab, job, settings, probes, public_only):
    """The Submission checks see, from the runner's result (the code it collected, where it came from)."""
    sub = Submission(student, lab.name, job / "work", cell_errors=result.get("cell_errors") or [],
                     sandbox=probes, public_only=public_only, samples=jobs.sample_files(settings))
    code = result.get("code")
    if code is None:
        why = result.get("kernel_died") or result.get("code_error") or messages.say("not_reported")
        sub.code_error = why
        return sub
    try:
        collected = json.loads(code)
        sub.code = str(collected["source"])
        sub.missing = {str(k): str(v)[:300] for k, v in dict(collected.get("missing") or {}).items()}
        sub.code_notes = [str(n)[:300] for n in list(collected.get("notes") or [])[:10]]
        cells = {int(k): v for k, v in dict(result.get("cells_by_count") or {}).items()}
        for piece in collected.get("pieces") or []:
            piece = {k: piece.get(k) for k in ("name", "start", "lines", "count", "line")}
            piece["cell"] = cells.get(piece["count"]) if isinstance(piece["count"], int) else None
            sub.pieces.append(piece)
    except (ValueError, TypeError, KeyError, AttributeError):
        sub.code, sub.code_error = None, messages.say("garbled")
        return sub
    for module in settings["forbidden"]:
        found = rules.uses(sub.code, module)
        if found:
            sub.violations[module] = found
    return sub


def grade(lab, path, *, jobs_dir, sandbox, public_only=False, student=None, timeout=None, cell_timeout=None,
          keep_job=False):
    """Grade one submission file; returns a Graded (never raises for the student's faults), its messages in
    the submission's language.

    Args:
        student: the student's id (default: from the file's name, see grader.students).
        timeout, cell_timeout: lower the lab's wall clock and per-cell timeout (seconds).
        keep_job: leave the job directory in place (default: removed once graded).
    """
    lang = language(path)
    with i18n.speaking(lang):
        g = _grade(lab, path, jobs_dir=jobs_dir, sandbox=sandbox, public_only=public_only, student=student,
                   timeout=timeout, cell_timeout=cell_timeout, keep_job=keep_job)
    g.language = lang
    return g


def _grade(lab, path, *, jobs_dir, sandbox, public_only, student, timeout, cell_timeout, keep_job):
    t0 = time.monotonic()
    path = Path(path)
    student = students.student_id(student) if student is not None else student_name(path, lab)
    checks = lab.checks(public_only=public_only)
    settings = _effective(lab.settings(), timeout, cell_timeout)
    dig, ldig = digest(path), lab_digest(lab)
    clean = redactor(lab)
    faults, probes = [], None

    def graded(rows, evidence=None, notes=(), executed=None):
        rows = [Row(r.student, r.lab, r.check, r.points, r.max_points, r.status, clean(r.message)) for r in rows]
        items = [{k: clean(v) for k, v in item.items()} for item in (evidence or [])]
        return Graded(student, lab.name, dig, rows, time.monotonic() - t0, {"items": items} if evidence else {},
                      [clean(n) for n in notes], ldig, faults, probes.seconds if probes else 0.0,
                      probes.program_seconds if probes else 0.0, executed)

    problem = precheck(path, lab)
    if problem:
        return graded(_all(checks, student, lab, "error", problem))
    job = Path(jobs_dir) / f"{students.path_form(student)}-{dig[:12]}"
    try:
        jobs.prepare_job(job, path, lab, settings, sandbox)
        result, reason, timed_out, notes = execute(job, lab, settings, sandbox)
        if result is None:
            return graded(_all(checks, student, lab, "timeout" if timed_out else "error", reason), notes=notes)
        if result.get("notebook_error"):
            return graded(_all(checks, student, lab, "error", i18n.value(str(result["notebook_error"]))),
                          notes=notes)
        if result.get("kernel_died"):
            result["kernel_died"] = i18n.value(str(result["kernel_died"]))
            if result.get("out_of_memory"):
                result["kernel_died"] = messages.say("kernel_oom", why=result["kernel_died"])
        probes = Probes(job, sandbox, settings)
        sub = submission(result, student=student, lab=lab, job=job, settings=settings, probes=probes,
                         public_only=public_only)
        rows = run_checks(checks, sub, faults)
        notes = list(notes) + _run_notes(result, settings, sub)
        return graded(rows, sub.evidence, notes, result.get("executed"))
    finally:
        if not keep_job:
            shutil.rmtree(job, ignore_errors=True)


def _run_notes(result, settings, sub):
    notes = []
    if result.get("kernel_died"):
        notes.append(str(result["kernel_died"]))
    for cell in result.get("timed_out_cells") or []:
        notes.append(messages.say("cell_timeout", cell=cell, seconds=settings["cell_timeout"]))
    for note in sub.code_notes:
        notes.append(messages.say("not_carried", what=i18n.value(note)))
    for err in sub.cell_errors[:10]:
        error = str(err.get("ename"))
        if err.get("evalue"):
            error += f": {err.get('evalue')}"
        notes.append(messages.say("cell_error", cell=err.get("cell"), error=error))
    return notes


__all__ = ["Row", "Graded", "grade", "execute", "precheck", "digest", "lab_digest", "student_name", "run_checks",
           "ProbeFailed", "Probes"]

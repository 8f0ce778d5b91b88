"""Grading one submission: prepare its job, run it in the sandbox, harvest, run the checks.

The notebook runs (with nbclient and its kernel) inside a sandbox; the checks
run afterwards here, in the grader's process, on the harvested evidence. What
comes back from the sandbox (result.json, executed.ipynb) is read without
following links, size-limited, and result.json must carry the HMAC of a key
only the runner was given; every text shown to the student is redacted.
"""

import hashlib
import hmac
import json
import os
import re
import secrets
import shutil
import stat
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sigcamp import samples as sigcamp_samples
from sigcamp import toolchain

from .checks import Submission, load_answers
from .redact import redactor

MAX_NOTEBOOK = 20 << 20     # bytes a submitted notebook may have
MAX_RESULT = 4 << 20        # bytes of result.json read back
MAX_EXECUTED = 32 << 20     # bytes of executed.ipynb read back
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
    lab_digest: str = ""
    executed: bytes | None = field(default=None, repr=False, compare=False)

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
    """The student a submission belongs to: its file's stem, or its folder's name for `<lab>.ipynb`."""
    path = Path(path)
    name = path.parent.name if path.name == lab.notebook_name else path.stem
    return re.sub(r"[^A-Za-z0-9_.@-]", "_", name).lstrip(".") or "anonymous"


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


def precheck(path, lab):
    """A reason the file cannot be graded at all (not a notebook, too big, another lab's), or None."""
    size = Path(path).stat().st_size
    if size > MAX_NOTEBOOK:
        return f"the notebook is {size >> 20} MiB, over the {MAX_NOTEBOOK >> 20} MiB limit"
    if size == 0:
        return "the file is empty, so not a notebook"
    try:
        nb = json.loads(Path(path).read_bytes())
    except (ValueError, UnicodeDecodeError) as e:
        return f"the file is not JSON, so not a notebook ({str(e)[:120]})"
    except (RecursionError, MemoryError):
        return "the file is JSON nested too deeply to be a notebook"
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        return "the file is JSON but not a notebook (no list of cells)"
    meta = nb.get("metadata")
    other = meta.get("sigcamp_lab") if isinstance(meta, dict) else None
    if other and other != lab.name:
        return f"this notebook belongs to lab {str(other)[:60]!r}, not {lab.name!r}"
    return None


def prepare_job(job, path, lab, settings, sandbox):
    """A fresh job directory: work/ (the notebook and the lab's release files), out/, build/.

    build/ holds the lab's course samples prebuilt, and, when the notebook builds Go, a
    Go cache seeded from the grader's own (see seed_gocache).
    """
    if job.exists():
        shutil.rmtree(job)
    work = job / "work"
    work.mkdir(parents=True)
    if lab.files.is_dir():
        shutil.copytree(lab.files, work, dirs_exist_ok=True)
    shutil.copyfile(path, work / lab.notebook_name)
    (job / "out").mkdir()
    _seed_build(job / "build", settings, sandbox, go=builds_go(work, Path(path).read_bytes()))
    for d in ("work", "out"):
        sandbox.prepare(job / d)
    return job


GO_WORDS = re.compile(rb"%%writefile\s+\S+\.go\b|\bgo (?:build|run|test|vet)\b")


def builds_go(work, notebook=None):
    """Whether the job may build Go: Go sources among its files, or a notebook that writes or builds some."""
    if notebook is not None and GO_WORDS.search(notebook):
        return True
    for _, _, files in os.walk(work):
        if any(f.endswith(".go") or f == "go.mod" for f in files):
            return True
    return False


def _seed_build(build, settings, sandbox, *, go):
    """build/bin/ with the lab's course samples prebuilt (so the sandbox needs no cold build), build/gocache/."""
    bin_dir = build / "bin"
    bin_dir.mkdir(parents=True)
    for name in settings["samples"]:
        built = sigcamp_samples.build(name)
        shutil.copy2(built, bin_dir / built.name)
    sandbox.prepare(build)  # before the cache: its hard links must keep their owner
    if go:
        seed_gocache(build / "gocache")
    else:
        sandbox.prepare(build / "gocache")


def seed_gocache(dest, *, source=None):
    """A Go build cache of hard links to the grader's own (toolchain.BUILD/gocache), warm for the standard library.

    Its directories are root's and sticky (mode 1777), its files root's and not writable
    by others: a sandbox may add entries but can neither change nor remove the ones it was
    given, so nothing it does reaches the grader's cache or a later build. Returns the
    number of entries linked.
    """
    source = str(source or toolchain.BUILD / "gocache")
    dest.mkdir(parents=True)
    os.chmod(dest, 0o1777)
    if not os.path.isdir(source):
        return 0
    linked, uid, stack = 0, os.geteuid(), [(source, str(dest))]
    while stack:
        src, dst = stack.pop()
        with os.scandir(src) as entries:
            for e in entries:
                target = f"{dst}/{e.name}"
                try:
                    if e.is_dir(follow_symlinks=False):
                        os.mkdir(target)
                        os.chmod(target, 0o1777)
                        stack.append((e.path, target))
                    elif e.is_file(follow_symlinks=False):
                        st = e.stat(follow_symlinks=False)
                        if not st.st_mode & 0o022 and st.st_uid == uid:
                            os.link(e.path, target)
                            linked += 1
                except OSError:
                    continue
    return linked


def binds(job):
    """What the notebook run sees: its work dir, its out dir, its build dir (all writable)."""
    return {job / "work": "/job", job / "out": "/out", job / "build": "/build"}


def probe_binds(job):
    """What a check's experiment sees: the work dir, and a build dir the notebook never wrote."""
    return {job / "work": "/job", job / "probe-build": "/build"}


def inside_env():
    return {"SIGCAMP_BUILD": "/build", "GOCACHE": "/build/gocache"}


def outside_env(build):
    """The same environment for a run without the sandbox."""
    return {"SIGCAMP_BUILD": str(build), "GOCACHE": str(build / "gocache")}


def _python(module):
    """argv running a grader module inside: isolated mode (the job dir is not on sys.path), non-dumpable."""
    return [sys.executable, "-I", "-m", "grader.undumpable", module]


def read_back(path, limit):
    """The bytes of a regular file the sandbox wrote, or None: no links, no FIFOs, nothing over `limit`."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode) or st.st_size > limit:
            return None
        data = f.read(limit + 1)
    return data if len(data) <= limit else None


def execute(job, lab, settings, sandbox):
    """Run the notebook in the sandbox; return (result dict or None, a reason when None, timed_out, notes)."""
    key = secrets.token_hex(32)
    spec = {"notebook": f"/job/{lab.notebook_name}", "out": "/out", "key": key, "harvest": settings["harvest"],
            "cell_timeout": settings["cell_timeout"], "max_output": MAX_CELL_OUTPUT, "contained": sandbox.enabled}
    if not sandbox.enabled:
        spec.update(notebook=str(job / "work" / lab.notebook_name), out=str(job / "out"))
    run = sandbox.run(_python("grader.runner"), binds=binds(job), chdir="/job" if sandbox.enabled
                      else job / "work", env=inside_env() if sandbox.enabled else
                      outside_env(job / "build"),
                      stdin=json.dumps(spec).encode(), wall=settings["timeout"], max_output=64 << 10)
    notes = _limit_notes(run, sandbox)
    if run.timed_out:
        return None, f"the notebook did not finish within {settings['timeout']:g} s (the sandbox was stopped)", True, notes
    if run.over_disk:
        return None, f"the notebook run was stopped: {run.over_disk}", False, notes
    data = read_back(job / "out" / "result.json", MAX_RESULT)
    if data is None:
        if run.oom_kills:
            why = f"it ran out of memory (the sandbox has {sandbox.limits.memory >> 20} MiB)"
        else:
            why = f"exit {run.returncode}" + (f": {_tail(run.stderr)}" if _tail(run.stderr) else "")
        return None, f"the notebook run ended without a result ({why})", False, notes
    mac, _, body = data.partition(b"\n")
    if not hmac.compare_digest(mac, hmac.new(bytes.fromhex(key), body, hashlib.sha256).hexdigest().encode()):
        return None, "the result file was not written by the grader's runner (forged or changed)", False, notes
    result = json.loads(body)
    executed = read_back(job / "out" / "executed.ipynb", MAX_EXECUTED)
    if executed is not None and hashlib.sha256(executed).hexdigest() == result.get("executed_sha256"):
        result["executed"] = executed
    return result, None, False, notes


def _tail(stderr):
    text = stderr.decode(errors="replace").strip()
    return text[-600:]


def _limit_notes(run, sandbox):
    notes = []
    if run.oom_kills:
        notes.append(f"the sandbox ran out of memory ({sandbox.limits.memory >> 20} MiB): "
                     f"{run.oom_kills} process(es) were killed")
    if run.pids_refused:
        notes.append(f"the sandbox refused new processes or threads {run.pids_refused} time(s) "
                     f"(its limit is {sandbox.limits.pids})")
    if run.output_bytes > 64 << 10:
        notes.append(f"the run wrote {run.output_bytes >> 20} MiB straight to its terminal; only the end was kept")
    return notes


class Probes:
    """Lets a check run a trusted experiment (grader.probes) on the student's files in a fresh sandbox."""

    def __init__(self, job, sandbox, settings):
        self.job, self.sandbox, self.settings = job, sandbox, settings

    def __call__(self, name, *, wall=180, **kwargs):
        job = self.job
        if not (job / "probe-build").exists():
            _seed_build(job / "probe-build", self.settings, self.sandbox, go=builds_go(job / "work"))
        if self.sandbox.enabled:
            where, env = "/job", inside_env()
        else:
            where, env = job / "work", outside_env(job / "probe-build")
        run = self.sandbox.run(_python("grader.probe"), binds=probe_binds(job), chdir=where, env=env,
                               stdin=json.dumps({"name": name, "kwargs": kwargs}).encode(), wall=wall)
        if run.timed_out:
            raise AssertionError(f"the experiment {name} did not finish within {wall} s")
        lines = run.stdout.decode(errors="replace").strip().splitlines()
        try:
            reply = json.loads(lines[-1])
            if not isinstance(reply, dict):
                raise ValueError
        except (IndexError, ValueError, RecursionError):
            why = "it ran out of memory" if run.oom_kills else _tail(run.stderr)[-800:]
            raise RuntimeError(f"probe {name} gave no answer: {why}") from None
        if "error" in reply:
            raise RuntimeError(f"probe {name} failed: {str(reply['error'])[:2000]}")
        return reply.get("value")


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


def _effective(settings, timeout, cell_timeout):
    """The lab's settings, with the wall clock and per-cell timeout lowered where asked."""
    settings = dict(settings)
    if timeout:
        settings["timeout"] = min(settings["timeout"], timeout)
    if cell_timeout:
        settings["cell_timeout"] = min(settings["cell_timeout"], cell_timeout)
    return settings


def grade(lab, path, *, jobs_dir, sandbox, public_only=False, student=None, timeout=None, cell_timeout=None,
          keep_job=False):
    """Grade one submission file; returns a Graded (never raises for the student's faults).

    Args:
        student: the student's name (default: from the file's name, see student_name).
        timeout, cell_timeout: lower the lab's wall clock and per-cell timeout (seconds).
        keep_job: leave the job directory in place (default: removed once graded).
    """
    t0 = time.monotonic()
    path = Path(path)
    student = student or student_name(path, lab)
    checks = lab.checks(public_only=public_only)
    settings = _effective(lab.settings(), timeout, cell_timeout)
    dig, ldig = digest(path), lab_digest(lab)
    clean = redactor(lab)

    def graded(rows, evidence=None, notes=(), executed=None):
        rows = [Row(r.student, r.lab, r.check, r.points, r.max_points, r.status, clean(r.message)) for r in rows]
        items = [{k: clean(v) for k, v in item.items()} for item in (evidence or [])]
        return Graded(student, lab.name, dig, rows, time.monotonic() - t0, {"items": items} if evidence else {},
                      [clean(n) for n in notes], ldig, executed)

    problem = precheck(path, lab)
    if problem:
        return graded(_all(checks, student, lab, "error", problem))
    job = Path(jobs_dir) / f"{student}-{dig[:12]}"
    try:
        prepare_job(job, path, lab, settings, sandbox)
        result, reason, timed_out, notes = execute(job, lab, settings, sandbox)
        if result is None:
            return graded(_all(checks, student, lab, "timeout" if timed_out else "error", reason), notes=notes)
        if result.get("notebook_error"):
            return graded(_all(checks, student, lab, "error", str(result["notebook_error"])), notes=notes)
        answers, answer_errors = load_answers(result.get("answers") or "{}")
        if result.get("answers") is None:
            why = result.get("kernel_died") or result.get("answers_error") or "the answers were not reported"
            if result.get("kernel_died") and any("memory" in n for n in notes):
                why += " (out of memory)"
            answer_errors = {name: why for name in settings["harvest"]}
        sub = Submission(student, lab.name, job / "work", answers, answer_errors,
                         result.get("cell_errors") or [], sandbox=Probes(job, sandbox, settings))
        rows = run_checks(checks, sub)
        notes = list(notes)
        if result.get("kernel_died"):
            notes.append(str(result["kernel_died"]))
        for i in result.get("timed_out_cells") or []:
            notes.append(f"cell {i} did not finish within {settings['cell_timeout']:g} s and was interrupted")
        for err in sub.cell_errors[:10]:
            notes.append(f"cell {err.get('cell')} raised {err.get('ename')}: {err.get('evalue')}")
        return graded(rows, sub.evidence, notes, result.get("executed"))
    finally:
        if not keep_job:
            shutil.rmtree(job, ignore_errors=True)

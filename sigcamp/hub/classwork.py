"""The instructor's round trip on the hub: release a lab, collect it from every home, grade, return feedback.

Run as root (the grading service, or `python -m sigcamp.hub ...` on the machine). Students' homes
are theirs: nothing here follows a link a student made or writes as root into a folder they
control by path. Collecting opens each component with O_NOFOLLOW and takes only a regular file the
student owns; feedback is written through a handle on the home folder, made as a new file, handed
to the student and renamed into place; refreshing a workspace runs as the student.

Layout of the grading folder (root only, 0700):
    collected/<lab>/<YYYYmmdd-HHMMSS>/<student name>/<lab>.ipynb   one folder per collection, never overwritten
    grades/                                                           the grader's --out (gradebook, feedback pages)
Students are named as the class list names them (Unicode kept), which is how the grader names a
notebook called <lab>.ipynb: by its folder.
"""

import os
import stat
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from .. import toolchain
from . import accounts, courseenv

MAX_NOTEBOOK = 20 << 20  # bytes: a lab notebook bigger than this is not collected (and says so)


class ClassworkError(Exception):
    """A step that cannot run (no such lab, grading failed); the message says what to do."""


@dataclass
class Collected:
    lab: str
    folder: Path
    notebooks: dict = field(default_factory=dict)  # student name -> collected path
    missing: dict = field(default_factory=dict)  # student name -> why nothing was collected

    def lines(self):
        out = [f"collected {len(self.notebooks)} notebook(s) of {self.lab} into {self.folder}"]
        out += [f"  {name}: {why}" for name, why in sorted(self.missing.items())]
        return out


def lab_of(name):
    """The grader's Lab for `name` (its number or name)."""
    from grader import labs
    try:
        return labs.find(name)
    except labs.LabError as e:
        raise ClassworkError(str(e)) from None


def _private_dir(path):
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)
    return path


def students(members):
    return [m for m in members if not m.admin]


def refresh_homes(members, *, log=print):
    """Bring every student's workspace up to date (new labs in, untouched copies refreshed), as the student."""
    for m in students(members):
        account = accounts.lookup(m.unix)
        if account is None or not account.home.is_dir():
            log(f"  {m.name}: no account yet (made when they first start their server)")
            continue
        proc = subprocess.run([str(courseenv.python()), "-c",
                               "import sys; from sigcamp import workspace; "
                               "print('\\n'.join(workspace.create(sys.argv[1]).lines()))", str(account.home)],
                              user=account.uid, group=account.gid, extra_groups=[], cwd=account.home,
                              env={"HOME": str(account.home), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
                              capture_output=True, text=True, timeout=300)
        text = (proc.stdout + proc.stderr).strip().splitlines()
        log(f"  {m.name}: " + ("; ".join(text) if text else "up to date"))


def release(lab, members, *, log=print):
    """`grader release LAB`, then every student's workspace gets it."""
    from grader import commands
    lab = lab_of(lab)
    commands.release(lab.name)
    refresh_homes(members, log=log)
    return lab.name


def _open_nofollow(home_fd, parts):
    """An fd of home/parts... opened without following any link; raises OSError otherwise."""
    fd = os.dup(home_fd)
    try:
        for part in parts[:-1]:
            nfd = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=fd)
            os.close(fd)
            fd = nfd
        return os.open(parts[-1], os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=fd)
    finally:
        os.close(fd)


def read_from_home(account, rel, *, with_mtime=False):
    """The bytes of `rel` in the student's home: a regular file they own, at most MAX_NOTEBOOK bytes
    (with_mtime: (bytes, when it was last changed))."""
    home_fd = os.open(account.home, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        fd = _open_nofollow(home_fd, Path(rel).parts)
    finally:
        os.close(home_fd)
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise ClassworkError(f"{rel} is not a regular file")
        if st.st_uid != account.uid:
            raise ClassworkError(f"{rel} belongs to UID {st.st_uid}, not to the student")
        if st.st_size > MAX_NOTEBOOK:
            raise ClassworkError(f"{rel} is {st.st_size >> 20} MiB, more than {MAX_NOTEBOOK >> 20} MiB")
        data = f.read(MAX_NOTEBOOK + 1)
    return (data, st.st_mtime) if with_mtime else data


def worked_copy(account, lab):
    """(path in the home, bytes) of the student's notebook of `lab` to grade. Their workspace holds one per
    language (labs/<lab>/<lab>.ipynb, labs/<lab>/<lang>/<lab>.ipynb): the one they worked in is the one that
    differs from its release (the last changed, if several do), else the English one. FileNotFoundError
    naming the English path when there is none."""
    copies = []
    for lang in ["en", *lab.languages()]:
        release = lab.release_notebook(lang)
        rel = Path("labs") / lab.name / release.relative_to(lab.release_dir)
        try:
            data, mtime = read_from_home(account, rel, with_mtime=True)
        except FileNotFoundError:
            continue
        except (OSError, ClassworkError):
            if lang == "en":
                raise
            continue  # not a file the student owns: the English copy speaks for them
        worked = not release.is_file() or data != release.read_bytes()
        copies.append(((worked, mtime if worked else 0.0, lang == "en"), rel, data))
    if not copies:
        raise FileNotFoundError(Path("labs") / lab.name / lab.notebook_name)
    _, rel, data = max(copies, key=lambda c: c[0])
    return rel, data


def collect(lab, members, grading):
    """Copy each student's labs/<lab>/<lab>.ipynb (or its edition in another language, the one they worked
    in: worked_copy) from their home into a new collection folder."""
    lab = lab_of(lab)
    base = _private_dir(Path(grading) / "collected" / lab.name)
    _private_dir(Path(grading))
    stamp = time.strftime("%Y%m%d-%H%M%S")
    folder, n = base / stamp, 1
    while folder.exists():
        n += 1
        folder = base / f"{stamp}-{n}"
    _private_dir(folder)
    result = Collected(lab.name, folder)
    rel = Path("labs") / lab.name / lab.notebook_name
    for m in students(members):
        account = accounts.lookup(m.unix)
        if account is None:
            result.missing[m.name] = "no Unix account (never started a server)"
            continue
        try:
            _, data = worked_copy(account, lab)
        except FileNotFoundError:
            result.missing[m.name] = f"no {rel} in {account.home}"
            continue
        except (OSError, ClassworkError) as e:
            result.missing[m.name] = f"{rel} not collected: {e}"
            continue
        d = _private_dir(folder / m.name)
        (d / lab.notebook_name).write_bytes(data)
        result.notebooks[m.name] = d / lab.notebook_name
    return result


def grade(collected, grading, *, jobs=None, log=print, extra=()):
    """Grade a collection with the grader (sandboxed) into grading/grades; returns the grader's status."""
    out = _private_dir(Path(grading) / "grades")
    if not collected.notebooks:
        raise ClassworkError(f"nothing to grade in {collected.folder}: collect first")
    argv = [sys.executable, "-m", "grader", "grade", collected.lab, *map(str, collected.notebooks.values()),
            "--out", str(out), "--no-progress", *extra]
    if jobs:
        argv += ["--jobs", str(jobs)]
    proc = subprocess.run(argv, capture_output=True, text=True, cwd=toolchain.ROOT, timeout=3600)
    for line in (proc.stdout + proc.stderr).strip().splitlines():
        log(f"  {line}")
    if proc.returncode not in (0, 1):
        raise ClassworkError(f"the grader failed (status {proc.returncode}); see above")
    return proc.returncode


def feedback_page(grading, lab, collected_path):
    """The grader's feedback page for the student whose collected notebook is `collected_path`."""
    from grader.grade import student_name
    try:
        from grader.students import path_form
    except ImportError:  # a grader that names pages by the student's (sanitised) name itself
        path_form = str
    student = student_name(Path(collected_path), lab_of(lab))
    return Path(grading) / "grades" / "feedback" / f"{path_form(student)}.html"


def write_into_home(account, name, data):
    """Put `data` at home/name (a new file the student owns, mode 0644), never following a link."""
    home_fd = os.open(account.home, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    tmp = f".{name}.{os.getpid()}-{time.monotonic_ns()}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644,
                     dir_fd=home_fd)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                os.fchown(f.fileno(), account.uid, account.gid)
            os.rename(tmp, name, src_dir_fd=home_fd, dst_dir_fd=home_fd)
        except BaseException:
            try:
                os.unlink(tmp, dir_fd=home_fd)
            except OSError:
                pass
            raise
    finally:
        os.close(home_fd)
    return account.home / name


def return_feedback(collected, members, grading, *, log=print):
    """Each student of the collection gets their feedback page as ~/feedback.html; returns {name: path}."""
    by_name = {m.name: m for m in members}
    given = {}
    for name, path in sorted(collected.notebooks.items()):
        page = feedback_page(grading, collected.lab, path)
        account = accounts.lookup(by_name[name].unix)
        if not page.is_file():
            log(f"  {name}: no feedback page ({page.name}): was the collection graded?")
            continue
        try:
            given[name] = write_into_home(account, "feedback.html", page.read_bytes())
        except OSError as e:
            log(f"  {name}: feedback not returned: {e}")
            continue
        log(f"  {name}: {given[name]}")
    return given


def latest_collection(lab, grading):
    """The newest collection of `lab` (a Collected), read back from the grading folder."""
    lab = lab_of(lab)
    base = Path(grading) / "collected" / lab.name
    folders = sorted((d for d in base.iterdir() if d.is_dir()), key=lambda d: d.stat().st_mtime) \
        if base.is_dir() else []
    if not folders:
        raise ClassworkError(f"no collection of {lab.name} yet: collect it first")
    result = Collected(lab.name, folders[-1])
    for d in sorted(folders[-1].iterdir()):
        if (d / lab.notebook_name).is_file():
            result.notebooks[d.name] = d / lab.notebook_name
    return result


def run_step(step, lab, s, log):
    """Run one step (release, collect, grade, return) for `lab` with the hub's settings `s`; True when it
    went through. What it did goes to `log`, line by line."""
    from . import classlist
    members = classlist.read(s.class_list, prefix=s.user_prefix)
    if step == "release":
        log(f"released {release(lab, members, log=log)}")
        return True
    if step == "collect":
        for line in collect(lab, members, s.grades).lines():
            log(line)
        return True
    collected = latest_collection(lab, s.grades)
    if step == "grade":
        log(f"grading {len(collected.notebooks)} notebook(s) from {collected.folder}")
        status = grade(collected, s.grades, log=log)
        return status == 0
    if step == "return":
        given = return_feedback(collected, members, s.grades, log=log)
        log(f"returned feedback to {len(given)} student(s)")
        return True
    raise ClassworkError(f"no step {step!r}: release, collect, grade or return")

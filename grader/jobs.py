"""A submission's job directory, and what the sandboxes made from it see.

job/work   the notebook and the lab's files (the notebook run writes here; probes read it)
job/out    the runner's result (written inside, read back here without following links)
job/build  the lab's course samples prebuilt, and a Go cache, for the notebook run
job/probe-build, job/probe-stubs   the same for the checks' experiments, which the notebook
           never wrote: bin/ belongs to root there, and a lab's sealed samples cannot be read
"""

import os
import re
import shutil
import stat
import sys
from pathlib import Path

from sigcamp import samples as sigcamp_samples
from sigcamp import toolchain

MAX_NOTEBOOK = 20 << 20     # bytes a submitted notebook may have
MAX_RESULT = 8 << 20        # bytes of result.json read back
MAX_EXECUTED = 32 << 20     # bytes of executed.ipynb read back
GO_WORDS = re.compile(rb"%%writefile\s+\S+\.go\b|\bgo (?:build|run|test|vet)\b")


def prepare_job(job, path, lab, settings, sandbox):
    """A fresh job directory with work/ (the notebook and the lab's release files), out/ and build/."""
    if job.exists():
        shutil.rmtree(job)
    work = job / "work"
    work.mkdir(parents=True)
    if lab.files.is_dir():
        shutil.copytree(lab.files, work, dirs_exist_ok=True)
    shutil.copyfile(path, work / lab.notebook_name)
    (job / "out").mkdir()
    seed_build(job / "build", settings, sandbox, go=builds_go(work, Path(path).read_bytes()))
    for d in ("work", "out"):
        sandbox.prepare(job / d)
    return job


def builds_go(work, notebook=None):
    """Whether the job may build Go: Go sources among its files, or a notebook that writes or builds some."""
    if notebook is not None and GO_WORDS.search(notebook):
        return True
    for _, _, files in os.walk(work):
        if any(f.endswith(".go") or f == "go.mod" for f in files):
            return True
    return False


def sample_files(settings):
    """{sample name: its prebuilt file's name} for the lab's SAMPLES (built here if need be)."""
    return {name: sigcamp_samples.build(name).name for name in settings["samples"]}


def seed_build(build, settings, sandbox, *, go, locked=False):
    """build/bin/ with the lab's course samples prebuilt (so the sandbox needs no cold build), build/gocache/.

    locked: bin/ and the samples belong to root (the sandbox may run them, not replace them),
    and the lab's SEALED samples are execute-only, so a process running one cannot be read
    or traced by anything else of the sandbox's (the kernel makes it non-dumpable).
    """
    bin_dir = build / "bin"
    bin_dir.mkdir(parents=True)
    for name in settings["samples"]:
        built = sigcamp_samples.build(name)
        shutil.copy2(built, bin_dir / built.name)
    sandbox.prepare(build)  # before the cache: its hard links must keep their owner
    if locked and sandbox.enabled and os.geteuid() == 0:
        os.chown(bin_dir, 0, 0)
        os.chmod(bin_dir, 0o755)
        for name in settings["samples"]:
            target = bin_dir / sigcamp_samples.build(name).name
            os.chown(target, 0, 0)
            os.chmod(target, 0o711 if name in settings["sealed"] else 0o755)
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


def stubs(job, modules):
    """{stub file: the module's file in the repository} for modules a probe's sandbox must not offer.

    Each stub raises ImportError naming the rule; the package's compiled cache is covered too
    (see stub_caches), so the real code cannot be loaded from it either.
    """
    out = {}
    d = job / "probe-stubs"
    d.mkdir(exist_ok=True)
    for module in modules:
        real = toolchain.ROOT.joinpath(*module.split(".")).with_suffix(".py")
        if not real.is_file():
            continue
        stub = d / f"{module}.py"
        stub.write_text(f"raise ImportError({module!r} ' is not available to your code here: the lab asks you '"
                        "'not to use it')\n")
        os.chmod(stub, 0o644)
        out[stub] = real
    return out


def stub_caches(modules):
    """The __pycache__ directories of the packages holding `modules` (covered by an empty tmpfs)."""
    found = set()
    for module in modules:
        cache = toolchain.ROOT.joinpath(*module.split(".")[:-1]) / "__pycache__"
        if cache.is_dir():
            found.add(cache)
    return sorted(found)


def binds(job):
    """What the notebook run sees: its work dir, its out dir, its build dir (all writable)."""
    return {job / "work": "/job", job / "out": "/out", job / "build": "/build"}


def inside_env():
    return {"SIGCAMP_BUILD": "/build", "GOCACHE": "/build/gocache"}


def outside_env(build):
    """The same environment for a run without the sandbox."""
    return {"SIGCAMP_BUILD": str(build), "GOCACHE": str(build / "gocache")}


def python(module):
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


def tail(stderr, n=600):
    return stderr.decode(errors="replace").strip()[-n:]

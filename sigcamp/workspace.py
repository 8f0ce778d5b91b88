"""A student's workspace: their own copies of the chapters and of each lab's release.

`create(target)` fills a folder with `chapters/` (every notebook under notebooks/,
sub-folders such as `zh/` included) and `labs/<lab>/` (each lab's release files),
so students never edit the tracked sources. It never overwrites a file the
student changed; an untouched copy follows the course when the source changes.
`reset(target, paths)` restores pristine copies, first moving the student's
version to `backups/<time>/`. A manifest (`.sigcamp/manifest.json`) records the
hash of each copy as made, which is how "changed by the student" is told apart.
"""

import hashlib
import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import toolchain
from .errors import SigcampError

DEFAULT = toolchain.ROOT / "workspace"
MANIFEST = Path(".sigcamp") / "manifest.json"
BACKUPS = "backups"
SKIP = {".ipynb_checkpoints", "__pycache__", ".DS_Store"}

# Each lab comes after the chapter that teaches what it needs (a lab not named here goes last).
LAB_AFTER = {"01-ctrl-c-shutdown": "01", "02-masks": "02", "05-gc-latency": "02", "03-cgo-ctrl-c": "03",
             "04-delve-cgocall": "03"}

README = """\
# Your workspace

Your own copies of the course: edit and run them freely, the course's sources stay untouched.
Work in this order:

{order}
Check a lab as you go. In a terminal of JupyterLab (File > New > Terminal, it opens here):

    python -m grader check 2 labs/02-masks/02-masks.ipynb

or from the course's folder: `.venv/bin/python -m grader check 2 workspace/labs/02-masks/02-masks.ipynb`.
Save the notebook first: the check reads the file, not what is on your screen.

To start a copy again from scratch (in JupyterLab's terminal, or `make reset FILES=workspace/...`
from the course's folder):

    python -m sigcamp reset labs/02-masks/02-masks.ipynb

Your version is moved to `backups/<date-time>/` here, never deleted. With no file named, every
copy you changed is restored. New chapters and labs appear here the next time you run `make lab`.
"""


def course_order(root=toolchain.ROOT):
    """[(kind, name, workspace path)] in the order to take them: each chapter, then its labs."""
    root = Path(root)
    chapters = sorted(p.name for p in (root / "notebooks").glob("[0-9][0-9]-*.ipynb"))
    labs = sorted(p.parent.name for p in (root / "labs").glob("*/release") if p.is_dir())
    order = []
    for chapter in chapters:
        order.append(("chapter", chapter, f"chapters/{chapter}"))
        order += [("lab", lab, f"labs/{lab}/{lab}.ipynb") for lab in labs if LAB_AFTER.get(lab) == chapter[:2]]
    placed = {name for _, name, _ in order}
    return order + [("lab", lab, f"labs/{lab}/{lab}.ipynb") for lab in labs if lab not in placed]


def readme(root=toolchain.ROOT):
    """The workspace's README.md: the course order and how to check and reset."""
    lines = [f"{i}. {kind}: `{path}`"
             for i, (kind, _, path) in enumerate(course_order(root), 1)]
    return README.format(order="\n".join(lines) + "\n")


@dataclass
class Report:
    """What create() or reset() did, as paths relative to the workspace."""

    root: Path
    added: list = field(default_factory=list)
    updated: list = field(default_factory=list)  # untouched copies brought up to date
    kept: list = field(default_factory=list)  # changed by the student, while the course's source changed
    restored: list = field(default_factory=list)
    backup: Path | None = None

    def lines(self):
        """Human-readable summary lines."""
        out = []
        if self.added:
            out.append(f"added {len(self.added)} file(s) to {self.root}")
        if self.updated:
            out.append(f"brought up to date (you had not changed them): {', '.join(self.updated)}")
        for rel in self.kept:
            out.append(f"kept your version of {rel}; the course's copy changed since "
                       f"(`make reset FILES={self.root.name}/{rel}` takes it, keeping yours in backups/)")
        if self.restored:
            out.append(f"restored {', '.join(self.restored)}")
        if self.backup:
            out.append(f"your previous versions are in {self.backup}")
        return out


def sources(root=toolchain.ROOT):
    """{workspace-relative path: source file}: chapters, each lab's release files, the README."""
    root = Path(root)
    found = {}
    notebooks = root / "notebooks"
    for path in sorted(notebooks.rglob("*.ipynb")):
        if not SKIP.intersection(path.relative_to(notebooks).parts):
            found[Path("chapters") / path.relative_to(notebooks)] = path
    for release in sorted((root / "labs").glob("*/release")):
        for path in sorted(release.rglob("*")):
            if path.is_file() and not SKIP.intersection(path.relative_to(release).parts):
                found[Path("labs") / release.parent.name / path.relative_to(release)] = path
    return found


def create(target=DEFAULT, *, root=toolchain.ROOT):
    """Make or refresh the workspace at `target`; never overwrite a file the student changed.

    A new chapter or lab file is copied in. A copy the student has not changed
    (same hash as when it was made) follows the source when the source changed.
    A copy the student changed is left alone and reported in `kept` if the
    source changed meanwhile. Returns a Report.
    """
    target = Path(target).resolve()
    if target.exists() and not target.is_dir():
        raise SigcampError(f"{target} is a file, not a folder: choose another place for the workspace")
    target.mkdir(parents=True, exist_ok=True)
    manifest = _read_manifest(target)
    report = Report(target)
    for rel, src in _all_sources(root).items():
        dest, key = target / rel, rel.as_posix()
        new = _content(src, root)
        if not dest.exists():
            _write(dest, new, src)
            report.added.append(key)
        else:
            mine = _digest(dest.read_bytes())
            if mine == _digest(new):
                pass
            elif mine == manifest.get(key):
                _write(dest, new, src)
                report.updated.append(key)
            else:
                if manifest.get(key) != _digest(new):
                    report.kept.append(key)
                continue  # keep the manifest's record of the copy the student started from
        manifest[key] = _digest(new)
    _write_manifest(target, manifest)
    return report


def reset(target=DEFAULT, paths=(), *, root=toolchain.ROOT):
    """Restore pristine copies of `paths` (files or folders in the workspace; all when empty).

    Only files the course provides are touched, and only those that differ
    from the course's copy; each one replaced is first moved to
    backups/<YYYYmmdd-HHMMSS>/ under the same relative path. Files the student
    added are never touched. Returns a Report.
    """
    target = Path(target).resolve()
    if not (target / MANIFEST).exists():
        raise SigcampError(f"no workspace at {target}: `make lab` creates it")
    known = _all_sources(root)
    chosen = _select(target, known, paths)
    manifest = _read_manifest(target)
    report = Report(target)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    backup = target / BACKUPS / stamp
    n = 1
    while backup.exists():
        n += 1
        backup = target / BACKUPS / f"{stamp}-{n}"
    for rel in chosen:
        dest, new = target / rel, _content(known[rel], root)
        if dest.exists() and dest.read_bytes() == new:
            continue
        if dest.exists():
            (backup / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(dest), str(backup / rel))
            report.backup = backup
        _write(dest, new, known[rel])
        manifest[rel.as_posix()] = _digest(new)
        report.restored.append(rel.as_posix())
    _write_manifest(target, manifest)
    return report


def _all_sources(root):
    found = sources(root)
    found[Path("README.md")] = None  # generated: readme()
    return found


def _select(target, known, paths):
    if not paths:
        return list(known)
    chosen = []
    for p in paths:
        p = Path(p)
        full = (p if p.is_absolute() else Path.cwd() / p).resolve()
        if not full.is_relative_to(target):
            alt = (target / p).resolve()  # also accept paths relative to the workspace
            if not alt.is_relative_to(target):
                raise SigcampError(f"{p} is not in the workspace {target}")
            full = alt
        rel = full.relative_to(target)
        hits = [k for k in known if k == rel or rel in k.parents or rel == Path(".")]
        if not hits:
            raise SigcampError(f"{p} is not a file the course provides; reset one of: "
                               + ", ".join(sorted(k.as_posix() for k in known if k.suffix == ".ipynb")))
        chosen.extend(h for h in hits if h not in chosen)
    return chosen


def _content(src, root):
    return readme(root).encode() if src is None else src.read_bytes()


def _write(dest, data, src):
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.sigcamp-tmp")
    tmp.write_bytes(data)
    if src is not None:
        os.chmod(tmp, (src.stat().st_mode & 0o777) | 0o200)  # keep executables executable, always writable
    os.replace(tmp, dest)


def _digest(data):
    return hashlib.sha256(data).hexdigest()


def _read_manifest(target):
    path = target / MANIFEST
    if not path.exists():
        return {}
    try:
        return dict(json.loads(path.read_text())["files"])
    except (ValueError, KeyError, TypeError):
        raise SigcampError(f"{path} is damaged: delete it, then `make lab` treats every existing file "
                           "as yours and keeps it") from None


def _write_manifest(target, manifest):
    path = target / MANIFEST
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"files": dict(sorted(manifest.items()))}, indent=1) + "\n")
    os.replace(tmp, path)

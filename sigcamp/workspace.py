"""A student's workspace: their own copies of the chapters and of each lab's release.

`create(target)` fills a folder with `chapters/` (every notebook under notebooks/,
and each chapter's Chinese edition, built from its translation, under `chapters/zh/`),
`labs/<lab>/` (each lab's release files: its Chinese notebook under `labs/<lab>/zh/`)
and a README per language (README.md, README.zh.md), so students never edit the
tracked sources. It never overwrites a file the
student changed; an untouched copy follows the course when the source changes.
`reset(target, paths)` restores pristine copies, first moving the student's
version to `backups/<time>/`. A manifest (`.sigcamp/manifest.json`) records the
hash of each copy as made, which is how "changed by the student" is told apart.
"""

import hashlib
import json
import os
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import i18n, toolchain
from .errors import SigcampError
from .i18n import N_, _

DEFAULT = toolchain.ROOT / "workspace"
MANIFEST = Path(".sigcamp") / "manifest.json"
BACKUPS = "backups"
SKIP = {".ipynb_checkpoints", "__pycache__", ".DS_Store"}

# Each lab comes after the chapter that teaches what it needs (a lab not named here goes last).
LAB_AFTER = {"01-ctrl-c-shutdown": "01", "02-masks": "02", "05-gc-latency": "02", "03-cgo-ctrl-c": "03",
             "04-delve-cgocall": "03"}

README = N_("""\
# Your workspace

Your own copies of the course: edit and run them freely, the course's sources stay untouched.
Work in this order:

{order}
Check a lab as you go. In a terminal of JupyterLab (File > New > Terminal, it opens here):

    python -m grader check {check}

or from the course's folder: `.venv/bin/python -m grader check {check_from_course}`.
Save the notebook first: the check reads the file, not what is on your screen.

To start a copy again from scratch (in JupyterLab's terminal, or `make reset FILES=workspace/...`
from the course's folder):

    python -m sigcamp reset {reset}

Your version is moved to `backups/<date-time>/` here, never deleted. With no file named, every
copy you changed is restored. New chapters and labs appear here the next time you run `make lab`.
""")
# The README of each language, in the workspace's top folder; each names the others.
READMES = {"en": "README.md", "zh": "README.zh.md"}
# Translators: a line of the README of another language, in this one, naming this language's README and
# chapters (so "the Chinese edition of this README" in Chinese).
OTHER_README = N_("This README in English: {readme}; the chapters in English are in {chapters}.")
CHAPTER_LINE, LAB_LINE = N_("chapter `{path}`: {title}"), N_("lab `{path}`: {title}")
NOT_TRANSLATED = N_("{line} (in English: this one has no {language} edition yet)")
LANGUAGE_NAMES = {"zh": N_("Chinese")}


def lab_notebook(release, lang):
    """A lab's release notebook in `lang`: <release>/<lab>.ipynb in English, <release>/<lang>/<lab>.ipynb in
    another language (the workspace's labs/<lab>/<lang>/<lab>.ipynb); None when the release has none."""
    release = Path(release)
    name = release.parent.name
    path = release / f"{name}.ipynb" if lang == "en" else release / lang / f"{name}.ipynb"
    return path if path.is_file() else None


def course_order(root=toolchain.ROOT, lang="en"):
    """[(kind, name, workspace path)] in the order to take them: each chapter, then its labs; in another
    language, its edition of each chapter and lab where there is one (else the English one)."""
    root = Path(root)
    chapters = sorted(p.name for p in (root / "notebooks").glob("[0-9][0-9]-*.ipynb"))
    labs = sorted(p.parent.name for p in (root / "labs").glob("*/release") if p.is_dir())
    provided = set(sources(root)) if lang != "en" else set()

    def chapter(name):
        own = Path("chapters") / lang / name
        return own.as_posix() if own in provided else f"chapters/{name}"

    def lab(name):
        own = Path("labs") / name / lang / f"{name}.ipynb"
        return own.as_posix() if own in provided else f"labs/{name}/{name}.ipynb"

    order = []
    for name in chapters:
        order.append(("chapter", name, chapter(name)))
        order += [("lab", x, lab(x)) for x in labs if LAB_AFTER.get(x) == name[:2]]
    placed = {name for _, name, _ in order}
    return order + [("lab", x, lab(x)) for x in labs if x not in placed]


def readme(root=toolchain.ROOT, lang="en"):
    """The workspace's README in `lang` (README.md, README.zh.md): the course order with each notebook's
    title, how to check a lab and how to reset a copy; a line names the README of the other language."""
    root = Path(root)
    _ = i18n.catalog(lang).gettext
    provided = sources(root)
    lines = []
    for i, (kind, _name, path) in enumerate(course_order(root, lang), 1):
        title = _title(provided.get(Path(path)))
        line = _(CHAPTER_LINE if kind == "chapter" else LAB_LINE).format(path=path, title=title)
        line = line.rstrip(": ：") if not title else line
        if lang != "en" and f"/{lang}/" not in path:
            line = _(NOT_TRANSLATED).format(line=line, language=_(LANGUAGE_NAMES.get(lang, lang)))
        lines.append(f"{i}. {line}")
    labs = [path for kind, _name, path in course_order(root, lang) if kind == "lab"]
    own = [p for p in labs if f"/{lang}/" in p] or labs  # the example: a lab in the README's language
    example = next((p for p in own if p.startswith("labs/02-masks/")), own[0] if own else "")
    number = example.split("/")[1][:2].lstrip("0") if example else "2"
    example = example or "labs/02-masks/02-masks.ipynb"
    others = [_other_readme(lang, other) for other in languages(root) if other != lang]
    return _(README).format(order="\n".join(lines) + "\n", check=f"{number} {example}",
                            check_from_course=f"{number} workspace/{example}", reset=example) \
        + "".join(f"\n{line}\n" for line in others)


def languages(root=toolchain.ROOT):
    """English, and each language the course has a chapter or a lab in (each gets a README)."""
    found = ["en"]
    for lang in READMES:
        if lang != "en" and any(rel.parts[:2] == ("chapters", lang) or rel.parts[2:3] == (lang,)
                                for rel in sources(root)):
            found.append(lang)
    return found


def _other_readme(lang, other):
    """A line in the `other` language naming its README and chapters."""
    chapters = "chapters/" if other == "en" else f"chapters/{other}/"
    return i18n.catalog(other).gettext(OTHER_README).format(readme=READMES[other], chapters=f"`{chapters}`")


def _title(src):
    """The '# ' heading of a notebook source's first Markdown cell ("" when it has none or is not a notebook)."""
    if src is None or not hasattr(src, "read_bytes"):
        return ""
    try:
        cells = json.loads(src.read_bytes())["cells"]
        first = next((c for c in cells if c["cell_type"] == "markdown"), None)
    except (ValueError, KeyError, TypeError, OSError):
        return ""
    text = "".join(first["source"]) if first else ""
    h1 = re.search(r"^#\s+(.+)$", text, re.M)
    return h1[1].strip() if h1 else ""


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
        """Human-readable summary lines, in the reader's language."""
        out = []
        if self.added:
            out.append(_("added {count} file(s) to {folder}").format(count=len(self.added), folder=self.root))
        if self.updated:
            out.append(_("brought up to date (you had not changed them): {files}").format(files=", ".join(self.updated)))
        for rel in self.kept:
            out.append(_("kept your version of {file}; the course's copy changed since (`make reset "
                         "FILES={workspace}/{file}` takes it, keeping yours in backups/)").format(
                file=rel, workspace=self.root.name))
        if self.restored:
            out.append(_("restored {files}").format(files=", ".join(self.restored)))
        if self.backup:
            out.append(_("your previous versions are in {folder}").format(folder=self.backup))
        return out


@dataclass(frozen=True)
class EditionSource:
    """A chapter's edition in another language, built from the English notebook and its translation."""

    path: Path
    lang: str

    def read_bytes(self):
        import nbformat

        from . import editions

        return nbformat.writes(editions.build(self.path, self.lang, strict=False)).encode()

    def stat(self):
        return self.path.stat()


def sources(root=toolchain.ROOT):
    """{workspace-relative path: source}: chapters (and their editions in other languages, under
    chapters/<lang>/), each lab's release files, the README."""
    from . import editions

    root = Path(root)
    found = {}
    notebooks = root / "notebooks"
    for path in sorted(notebooks.rglob("*.ipynb")):
        if not SKIP.intersection(path.relative_to(notebooks).parts):
            found[Path("chapters") / path.relative_to(notebooks)] = path
            for lang in editions.LANGUAGES:
                if editions.translated(path, lang):
                    found[Path("chapters") / lang / path.name] = EditionSource(path, lang)
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
        raise SigcampError(_("{folder} is a file, not a folder: choose another place for the workspace").format(
            folder=target))
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
        raise SigcampError(_("no workspace at {folder}: `make lab` creates it").format(folder=target))
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


@dataclass(frozen=True)
class Readme:
    """The workspace's README in one language, generated: readme()."""

    lang: str


def _all_sources(root):
    found = sources(root)
    for lang in languages(root):
        found[Path(READMES[lang])] = Readme(lang)
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
                raise SigcampError(_("{path} is not in the workspace {folder}").format(path=p, folder=target))
            full = alt
        rel = full.relative_to(target)
        hits = [k for k in known if k == rel or rel in k.parents or rel == Path(".")]
        if not hits:
            raise SigcampError(_("{path} is not a file the course provides; reset one of: {files}").format(
                path=p, files=", ".join(sorted(k.as_posix() for k in known if k.suffix == ".ipynb"))))
        chosen.extend(h for h in hits if h not in chosen)
    return chosen


def _content(src, root):
    return readme(root, src.lang).encode() if isinstance(src, Readme) else src.read_bytes()


def _write(dest, data, src):
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.sigcamp-tmp")
    tmp.write_bytes(data)
    if not isinstance(src, Readme):
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
        raise SigcampError(_("{file} is damaged: delete it, then `make lab` treats every existing file "
                             "as yours and keeps it").format(file=path)) from None


def _write_manifest(target, manifest):
    path = target / MANIFEST
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"files": dict(sorted(manifest.items()))}, indent=1) + "\n")
    os.replace(tmp, path)

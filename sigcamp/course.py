"""Executing the chapter notebooks headless: `make course`.

Each notebook runs top to bottom in a fresh kernel (per-cell timeout, any error
fails it); the executed copy and an HTML page go to _build/ (a language
edition's to _build/notebooks/<lang>/ and _build/html/<lang>/, built from the
English notebook and its translation: see editions). Sources in notebooks/ are
never written.
"""

import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from . import toolchain

NOTEBOOKS = toolchain.ROOT / "notebooks"
OUT = toolchain.BUILD / "notebooks"
HTML = toolchain.BUILD / "html"


@dataclass
class Result:
    notebook: str
    seconds: float
    status: str  # "ok" or "failed"
    error: str = ""
    cell: int | None = None


def notebooks():
    """The chapter notebooks in order (NN-topic.ipynb)."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))


def read(path):
    """Read a notebook; a clear error when it is not one."""
    import nbformat

    if not Path(path).is_file():
        raise ValueError(f"no notebook at {path}")
    try:
        return nbformat.read(str(path), as_version=4)
    except Exception as e:
        raise ValueError(f"{path} is not a readable notebook ({type(e).__name__}: {e}); "
                         f"if it is a chapter, restore it with `git checkout -- {path}`") from None


def execute(path, *, cell_timeout=300, write=True, lang="en"):
    """Run one notebook (its `lang` edition) in a fresh kernel; return a Result (and the executed notebook)."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    path = Path(path)
    t0 = time.monotonic()
    try:
        nb = read(path) if lang == "en" else edition(path, lang)
    except ValueError as e:
        return Result(path.name, 0.0, "failed", str(e)), None
    from traitlets.config import Config

    config = Config()  # the kernel's sockets as files in a private directory, not TCP ports
    config.KernelManager.transport = "ipc"
    ipc_dir = Path(tempfile.mkdtemp(prefix="sigcamp-kernel-"))
    config.KernelManager.ip = str(ipc_dir / "kernel")
    client = NotebookClient(nb, timeout=cell_timeout, config=config,
                            kernel_name=nb.metadata.get("kernelspec", {}).get("name", "sigcamp"),
                            resources={"metadata": {"path": str(path.parent)}})
    result = Result(path.name, 0.0, "ok")
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError) as e:
        cell = _failed_cell(nb)
        result.status, result.cell = "failed", cell
        result.error = f"cell {cell}: {_first_line(e)}" if cell is not None else _first_line(e)
    except Exception as e:
        result.status, result.error = "failed", f"{type(e).__name__}: {e}"
    shutil.rmtree(ipc_dir, ignore_errors=True)
    result.seconds = time.monotonic() - t0
    if write:
        out, html = (OUT, HTML) if lang == "en" else (OUT / lang, HTML / lang)
        out.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, str(out / path.name))
        _write_html(nb, html / (path.stem + ".html"))
    return result, nb


def edition(path, lang):
    """The `lang` edition of a chapter, built from its English notebook and translation (a missing or
    outdated translation of a cell is reported and leaves that cell as it is)."""
    from . import editions

    read(path)
    problems = editions.check(path, lang)
    if problems:
        print(f"  {path.name} ({lang}): {problems}", flush=True)
    return editions.build(path, lang, strict=False)


def languages(paths):
    """The editions to build: English, and each language with a translation of any of `paths`."""
    from . import editions

    found = ["en"]
    for lang in editions.LANGUAGES:
        if any(editions.translated(p, lang) for p in paths):
            found.append(lang)
    return found


def _failed_cell(nb):
    for i, cell in enumerate(nb.cells):
        if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            return i
    executed = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.get("execution_count")]
    return executed[-1] if executed else None


def _first_line(e):
    text = str(e).strip()
    lines = [ln for ln in text.splitlines() if ln.strip()]
    return lines[-1] if lines else type(e).__name__


def _write_html(nb, dest):
    from .htmlexport import write_html

    write_html(nb, dest, lang=nb.metadata.get("language", "en"))


def main(paths=(), *, cell_timeout=300, langs=None):
    """Execute the notebooks (all by default) in each edition (default: every language translated),
    print a table; exit status 1 if any failed."""
    paths = [Path(p) for p in paths] or notebooks()
    if not paths:
        print("no notebooks found in notebooks/")
        return 1
    from . import editions

    langs = langs or languages(paths)
    results = []
    for lang in langs:
        for p in paths:
            if lang != "en" and not editions.translated(p, lang):
                continue
            print(f"running {p.name}{'' if lang == 'en' else f' ({lang})'} ...", flush=True)
            r = execute(p, cell_timeout=cell_timeout, lang=lang)[0]
            r.notebook += "" if lang == "en" else f" ({lang})"
            results.append(r)
    width = max(len(r.notebook) for r in results)
    print(f"\n{'notebook':<{width}}  {'seconds':>8}  status")
    for r in results:
        print(f"{r.notebook:<{width}}  {r.seconds:8.1f}  {r.status}{'  ' + r.error if r.error else ''}")
    print(f"\nexecuted copies in {OUT}/, HTML in {HTML}/")
    from . import ledger

    for lang in langs:
        csv, page = ledger.write_report(lang=lang)
        print(f"the claim ledger ({lang}): {csv} and {page}")
    from . import site

    print(f"site: {site.build()}")
    return 1 if any(r.status != "ok" for r in results) else 0

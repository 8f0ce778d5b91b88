"""Executing the chapter notebooks headless: `make course`.

Each notebook runs top to bottom in a fresh kernel (per-cell timeout, any error
fails it); the executed copy and an HTML page go to _build/. Sources in
notebooks/ are never written.
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


def execute(path, *, cell_timeout=300, write=True):
    """Run one notebook in a fresh kernel; return a Result (and the executed notebook)."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    path = Path(path)
    t0 = time.monotonic()
    try:
        nb = read(path)
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
        OUT.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, str(OUT / path.name))
        _write_html(nb, HTML / (path.stem + ".html"))
    return result, nb


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

    write_html(nb, dest)


def main(paths=(), *, cell_timeout=300):
    """Execute the notebooks (all by default), print a table; exit status 1 if any failed."""
    paths = [Path(p) for p in paths] or notebooks()
    if not paths:
        print("no notebooks found in notebooks/")
        return 1
    results = []
    for p in paths:
        print(f"running {p.name} ...", flush=True)
        results.append(execute(p, cell_timeout=cell_timeout)[0])
    width = max(len(r.notebook) for r in results)
    print(f"\n{'notebook':<{width}}  {'seconds':>8}  status")
    for r in results:
        print(f"{r.notebook:<{width}}  {r.seconds:8.1f}  {r.status}{'  ' + r.error if r.error else ''}")
    print(f"\nexecuted copies in {OUT}/, HTML in {HTML}/")
    from . import ledger

    csv, page = ledger.write_report()
    print(f"the claim ledger: {csv} and {page}")
    from . import site

    print(f"site: {site.build()}")
    return 1 if any(r.status != "ok" for r in results) else 0

"""The chapter notebooks: committed clean, naming only real runtime functions, executing without error."""

import importlib
import json
import pkgutil
import re
import subprocess
import sys

import pytest

from sigcamp import course, figures, gosource, toolchain

NOTEBOOKS = course.notebooks()
FUNC_NAME = re.compile(r"\b((?:runtime|os/signal)\.[a-z_][A-Za-z0-9_]*)\b")


def test_there_are_chapters():
    assert [p.name for p in NOTEBOOKS][:1] == ["01-ctrl-c.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs(path):
    nb = json.loads(path.read_text())
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code":
            assert not cell.get("outputs") and cell.get("execution_count") is None, f"cell {i} has outputs"
    assert nb["metadata"]["kernelspec"]["name"] == "sigcamp"


TRANSLATIONS = sorted((toolchain.ROOT / "notebooks").glob("*/*.md"))


@pytest.mark.parametrize("path", NOTEBOOKS + TRANSLATIONS, ids=lambda p: str(p.relative_to(toolchain.ROOT)))
def test_named_runtime_functions_exist(path):
    """Every lower-case runtime.x / os/signal.x a chapter names, in English or in a translation, is defined
    in the installed GOROOT."""
    text = path.read_text() if path.suffix == ".md" else \
        "\n".join("".join(c["source"]) for c in json.loads(path.read_text())["cells"])
    names = sorted(set(FUNC_NAME.findall(text)))
    missing = [n for n in names if not gosource.exists(n)]
    assert not missing, f"{path.name} names functions that do not exist: {missing}"


def drawing_functions():
    """Every function that draws a figure or a diagram (importing each sigcamp module registers them)."""
    import sigcamp

    for info in pkgutil.walk_packages(sigcamp.__path__, "sigcamp."):
        if info.name != "sigcamp.__main__" and not info.name.startswith("sigcamp.hub"):  # the hub's own env
            importlib.import_module(info.name)
    return figures.FIGURES


SPEAKS_OF_A_FIGURE = re.compile(r"\b(in|from|read|see) (the|this|these) (figures?|diagrams?|plots?)\b"
                                r"|\b(the|this|these) (figures?|diagrams?|plots?) (above|below|shows?)\b", re.I)


def missing_figures(nb):
    """Cells that call a drawing function but show no image; prose that speaks of a figure with none near it."""
    draws = re.compile(r"\b(" + "|".join(map(re.escape, sorted(drawing_functions()))) + r")\(")
    shown = [any(k.startswith("image/") for o in c.get("outputs", []) for k in o.get("data", {}))
             for c in nb.cells]
    problems = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and draws.search(cell.source) and not shown[i]:
            problems.append(f"cell {i + 1} draws but shows no image: {cell.source.strip().splitlines()[-1]}")
        if cell.cell_type == "markdown" and SPEAKS_OF_A_FIGURE.search(cell.source):
            if not any(shown[max(0, i - 3):i + 4]):
                problems.append(f"cell {i + 1} speaks of a figure, but no cell near it shows one")
    return problems


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_executes_and_shows_its_figures(path):
    result, nb = course.execute(path)
    assert result.status == "ok", result.error
    assert not missing_figures(nb)


def test_course_reports_a_malformed_notebook(tmp_path):
    bad = tmp_path / "99-broken.ipynb"
    bad.write_text("{ not json")
    proc = subprocess.run([sys.executable, "-m", "sigcamp", "course", str(bad)], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 1
    assert "is not a readable notebook" in proc.stdout
    assert bad.read_text() == "{ not json", "the source must never be touched"


def test_course_names_the_failing_cell(tmp_path):
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook(cells=[new_code_cell("x = 1"), new_code_cell("import sigcamp\nsigcamp.start('no-such-sample')")])
    nb.metadata["kernelspec"] = {"name": "sigcamp", "display_name": "Python (sigcamp)", "language": "python"}
    path = tmp_path / "98-fails.ipynb"
    nbformat.write(nb, str(path))
    result, _ = course.execute(path, write=False)
    assert result.status == "failed" and result.cell == 1
    assert "UnknownSample" in result.error and "no-such-sample" in result.error


def test_the_chinese_edition_of_chapter_1_runs_and_speaks_chinese():
    """The same code as the English chapter, in Chinese: no error, its figures, Chinese in its tables."""
    result, nb = course.execute(NOTEBOOKS[0], lang="zh")
    assert result.status == "ok", result.error
    assert not missing_figures(nb)
    headers = " ".join(re.findall(r"<th[^>]*>(.*?)</th>", " ".join(
        o.get("data", {}).get("text/html", "") if isinstance(o.get("data", {}).get("text/html", ""), str)
        else "".join(o["data"]["text/html"]) for c in nb.cells for o in c.get("outputs", [])), re.S))
    assert re.search(r"[\u4e00-\u9fff]", headers), "no table header of the Chinese edition is in Chinese"

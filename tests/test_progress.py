"""Progress bars leave plain text behind: a saved notebook, its HTML and a reopened copy show it."""

import re
import subprocess
import sys

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from sigcamp import course, toolchain

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def test_a_finished_bar_is_text_in_the_executed_notebook(tmp_path):
    nb = new_notebook(cells=[new_code_cell(
        "import time\nfrom sigcamp.progress import bar\n"
        "with bar(total=40, unit='signal', desc='go-idle') as b:\n"
        "    for _ in range(40):\n        time.sleep(0.02)\n        b.update()")])
    nb.metadata["kernelspec"] = {"name": "sigcamp", "display_name": "Python (sigcamp)", "language": "python"}
    path = tmp_path / "97-progress.ipynb"
    nbformat.write(nb, str(path))
    result, done = course.execute(path, write=False)
    assert result.status == "ok", result.error
    outputs = done.cells[0].outputs
    assert len(outputs) == 1, outputs  # one output, updated in place, not one per refresh
    assert outputs[0].output_type == "display_data" and WIDGET_VIEW not in outputs[0].data
    text = outputs[0].data["text/plain"]
    assert re.search(r"go-idle: 100%\|█+\| 40/40 \[", text), text
    assert "widgets" not in done.metadata


def test_outside_a_notebook_the_bar_goes_to_stderr():
    proc = subprocess.run([sys.executable, "-c", "from sigcamp.progress import bar\n"
                           "with bar(total=3, unit='x') as b:\n    b.update(3)"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout == ""
    assert "3/3" in proc.stderr


def test_the_library_uses_no_widget_progress_bars():
    """A widget bar shows "Error displaying widget" once its notebook is reopened: use sigcamp.progress."""
    offenders = [p.name for p in (toolchain.ROOT / "sigcamp").glob("*.py")
                 if re.search(r"tqdm\.(auto|notebook|autonotebook)|(Int|Float)Progress\(", p.read_text())]
    assert not offenders, offenders

"""Drawing functions show their figure in a notebook whatever ends the cell, exactly once."""

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from sigcamp import course, figures


def images(cell):
    return [k for o in cell.get("outputs", []) for k in o.get("data", {}) if k.startswith("image/")]


def test_a_figure_shows_once_with_or_without_a_semicolon(tmp_path):
    nb = new_notebook(cells=[
        new_code_cell("import pandas as pd\nfrom sigcamp import ctrl_c\n"
                      "lat = pd.DataFrame({'sample': ['a', 'a', 'b'], 'latency_ms': [0.3, 0.5, 12.0]})"),
        new_code_cell("ctrl_c.plot_latencies(lat);"),
        new_code_cell("ctrl_c.plot_latencies(lat)"),
        new_code_cell("drawn = ctrl_c.plot_latencies(lat)\ndrawn.value.axes[0].get_xscale()"),
    ])
    nb.metadata["kernelspec"] = {"name": "sigcamp", "display_name": "Python (sigcamp)", "language": "python"}
    path = tmp_path / "97-figures.ipynb"
    nbformat.write(nb, str(path))
    result, executed = course.execute(path, write=False)
    assert result.status == "ok", result.error
    assert [len(images(c)) for c in executed.cells] == [0, 1, 1, 1]
    assert executed.cells[3].outputs[-1]["data"]["text/plain"] == "'log'"


def test_drawing_functions_are_registered():
    from sigcamp import ctrl_c, plots, shutdown, supervisor  # noqa: F401 (registers them)

    assert {"plot_latencies", "latency_histograms", "latency_scatter", "plot_requests", "plot"} <= figures.FIGURES

"""Diagrams drawn from the evidence with Graphviz, never by hand.

Chapter modules build a graph from the DataFrames an experiment returned (the
stops delve recorded, the threads /proc listed) and decorate the function with
`figures.figure`, so it renders as SVG in JupyterLab and in the HTML export.
"""

import shutil

from .errors import ToolchainError

FONT = "Noto Sans CJK SC, Noto Sans, DejaVu Sans, sans-serif"


def graph(title, *, direction="LR"):
    """An empty directed graph in the course's style, titled `title`; needs Graphviz's `dot`."""
    if not shutil.which("dot"):
        raise ToolchainError("Graphviz's `dot` is missing: apt-get install -y graphviz (make setup does it as root)")
    import graphviz

    g = graphviz.Digraph(graph_attr={"rankdir": direction, "label": title, "labelloc": "t", "fontname": FONT,
                                     "fontsize": "14", "bgcolor": "white", "pad": "0.2"},
                         node_attr={"shape": "box", "style": "rounded,filled", "fillcolor": "#eef3fb",
                                    "fontname": FONT, "fontsize": "11"},
                         edge_attr={"fontname": FONT, "fontsize": "10"})
    g.format = "svg"
    return g


def label(*lines):
    """A node label of several left-aligned lines (empty ones left out)."""
    return "".join(str(line).replace("\\", "/") + "\\l" for line in lines if line != "")

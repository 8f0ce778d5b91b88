"""Figures and diagrams that show themselves in a notebook, whatever ends the cell.

A function decorated with `@figure` returns a matplotlib Figure, a graphviz
graph, or anything IPython can display. In a notebook the decorator displays it
at once (so a trailing `;` cannot hide it) and returns a `Drawn` whose own
display is empty (so it is not shown twice); elsewhere nothing is displayed and
`Drawn.value` holds the figure. FIGURES names every decorated function, so the
tests can hold each executed notebook to showing what its cells draw.
"""

import functools

FIGURES = set()  # names of the functions that draw


class Drawn:
    """What a drawing function returned: `.value` is the Figure (or graph); already displayed in a notebook."""

    def __init__(self, value):
        self.value = value

    def _ipython_display_(self):
        pass  # shown when it was drawn

    def __getattr__(self, name):  # savefig, axes, source ... of the figure itself
        return getattr(self.value, name)

    def __repr__(self):
        return f"Drawn({type(self.value).__name__})"


def in_notebook():
    """True inside a Jupyter kernel (IPython with a display publisher that reaches a front end)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and shell.__class__.__name__ == "ZMQInteractiveShell"


def figure(fn):
    """Decorate a function that returns a Figure or a graph: see the module docstring."""
    FIGURES.add(fn.__name__)

    @functools.wraps(fn)
    def draw(*args, **kwargs):
        value = fn(*args, **kwargs)
        _close(value)
        if in_notebook():
            from IPython.display import display

            display(value)
        return Drawn(value)

    return draw


def _close(value):
    """Take a matplotlib Figure out of pyplot, so the inline backend does not show it a second time."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        return
    if isinstance(value, Figure):
        import matplotlib.pyplot as plt

        plt.close(value)

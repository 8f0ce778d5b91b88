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
CJK_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "Noto Sans SC", "WenQuanYi Zen Hei")


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
        reader_fonts()
        value = fn(*args, **kwargs)
        _close(value)
        if in_notebook():
            from IPython.display import display

            display(value)
        return Drawn(value)

    return draw


def reader_fonts():
    """Let matplotlib draw Chinese: a CJK font as fallback after its default sans-serif font (so English text
    looks as before). Returns the CJK family used, or None when this machine has none (`python -m sigcamp
    doctor` says what to install)."""
    family = _cjk_family()
    if family:  # matplotlib falls back glyph by glyph along font.family's list
        import matplotlib

        families = [f for f in matplotlib.rcParams["font.family"] if f != family]
        matplotlib.rcParams["font.family"] = families + [family]
    return family


@functools.cache
def _cjk_family():
    """The first of CJK_FAMILIES matplotlib knows; a CJK font installed after matplotlib built its font cache is
    added first."""
    try:
        from matplotlib import font_manager
    except ImportError:
        return None
    known = {f.name for f in font_manager.fontManager.ttflist}
    if not known & set(CJK_FAMILIES):
        for path in font_manager.findSystemFonts():
            if "CJK" in path and "Serif" not in path:
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):
                    continue
        known = {f.name for f in font_manager.fontManager.ttflist}
    return next((f for f in CJK_FAMILIES if f in known), None)


def _close(value):
    """Take a matplotlib Figure out of pyplot, so the inline backend does not show it a second time."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        return
    if isinstance(value, Figure):
        import matplotlib.pyplot as plt

        plt.close(value)


# Fonts with Chinese glyphs, best first (Debian: fonts-noto-cjk; `python -m sigcamp doctor` checks for one).
CJK_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "Droid Sans Fallback")


def follow_language():
    """Let matplotlib draw the reader's language: for Chinese, a CJK font after DejaVu Sans (Latin text looks
    as in the English edition, each Chinese glyph comes from the CJK font); for English, the default again."""
    import matplotlib
    from matplotlib import font_manager

    from . import i18n

    if i18n.language() == "en":
        matplotlib.rcParams["font.family"] = ["sans-serif"]
        return
    known = {f.name for f in font_manager.fontManager.ttflist}
    if not known & set(CJK_FAMILIES):  # installed after matplotlib cached its font list: add the files now
        for path in _cjk_font_files():
            font_manager.fontManager.addfont(path)
        known = {f.name for f in font_manager.fontManager.ttflist}
    cjk = [f for f in CJK_FAMILIES if f in known]
    matplotlib.rcParams["font.family"] = ["DejaVu Sans", *cjk[:1], "sans-serif"]


def _cjk_font_files():
    """The files of the regular CJK fonts fontconfig knows (none without fc-list)."""
    import shutil
    import subprocess

    fc = shutil.which("fc-list")
    if not fc:
        return []
    out = subprocess.run([fc, ":lang=zh", "file", "family", "style"], capture_output=True, text=True,
                         timeout=30).stdout
    return sorted({line.split(":")[0] for line in out.splitlines()
                   if any(f in line for f in CJK_FAMILIES) and "Bold" not in line.split(":", 1)[1]})

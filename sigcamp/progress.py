"""Progress bars that leave plain text behind.

In a notebook the bar is one text output updated in place (no widget): once the
work ends, the final line ("go-idle: 100%|██████████| 5000/5000 [...]") stays in
the notebook, so a saved and reopened notebook, nbclient's executed copy and the
HTML export all show it. Elsewhere it is tqdm on stderr.
"""

import io
import sys

from tqdm.std import tqdm

NCOLS = 100  # width of the text line in a notebook


class TextBar(tqdm):
    """A tqdm bar shown as a text/plain output that each refresh replaces."""

    def __init__(self, *args, **kwargs):
        self._display_id = None
        kwargs.update(file=io.StringIO(), ncols=NCOLS, ascii=False, dynamic_ncols=False)
        kwargs.setdefault("mininterval", 0.25)  # at most four output updates a second
        super().__init__(*args, **kwargs)

    def display(self, msg=None, pos=None):
        from IPython.display import display, update_display

        text = self.__str__() if msg is None else msg
        bundle = {"text/plain": text}
        if self._display_id is None:
            self._display_id = f"sigcamp-progress-{id(self)}"
            display(bundle, raw=True, display_id=self._display_id)
        else:
            update_display(bundle, raw=True, display_id=self._display_id)
        return True


def in_notebook():
    """True inside a Jupyter kernel (where outputs are rich), False in a terminal or script."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def bar(*, total, unit="it", desc=None, enabled=True):
    """A progress bar for `total` steps: use it as a context manager, call update() per step.

    In a notebook, a text output that stays as plain text when the bar closes;
    elsewhere tqdm on stderr. `enabled=False` shows nothing.
    """
    if enabled and in_notebook():
        return TextBar(total=total, unit=unit, desc=desc, leave=True)
    return tqdm(total=total, unit=unit, desc=desc, disable=not enabled, file=sys.stderr, leave=True)

"""How a DataFrame looks to a reader: whole text wrapped, blanks where nothing was measured.

The data stay as the experiments returned them; `show()` only decides how they
are displayed (a pandas Styler, rendered the same in JupyterLab and the HTML
export), in the reader's language (column names and known words go through
the gettext catalogs; see i18n). `transcript()` hides the STAMP lines samples
print for the library.
"""

import html
import re

import numpy as np

from . import i18n
from .i18n import N_

STAMP_LINE = re.compile(r"^STAMP \S+ \d+\r?\n?", re.M)
VERBATIM = "verbatim"  # df.attrs[VERBATIM]: columns of code or program output, never translated when shown


def show(df, *, digits=2, wide=(), caption=None, index=False):
    """A Styler of df: floats to `digits` decimals, blanks for NaN/None, long text wrapped, no index.

    wide: columns allowed extra width (the long "what we measured" kind of text).
    """
    import pandas as pd

    if isinstance(df, pd.Series):
        df = df.to_frame()
    if not index:
        df = df.reset_index(drop=True)
    styler = df.style.format(precision=digits, na_rep="", thousands=None, escape="html")
    styler = styler.set_table_styles([
        {"selector": "th", "props": "text-align: left; vertical-align: bottom;"},
        {"selector": "td", "props": "text-align: left; vertical-align: top; white-space: pre-wrap; "
                                    "overflow-wrap: break-word; max-width: 28em;"},
    ])
    for col in wide:
        if col in df.columns:
            styler = styler.set_properties(subset=[col], **{"max-width": "48em", "min-width": "20em"})
    if not index:
        styler = styler.hide(axis="index")
    if i18n.language() != "en":  # translated first, then escaped (pandas escapes before a formatter sees it)
        verbatim = set(df.attrs.get(VERBATIM, ()))
        text = [c for c in df.columns if c not in verbatim and (not pd.api.types.is_numeric_dtype(df[c]) or
                                                                pd.api.types.is_bool_dtype(df[c]))]
        if text:
            styler = styler.format(_shown, subset=text, na_rep="")
        styler = styler.format_index(_header, axis=1).format_index_names(_shown, axis=1)
        if index:  # a shown index holds labels too (a transposed table's row labels are its column names)
            styler = styler.format_index(_shown, axis=0).format_index_names(_shown, axis=0)
    if caption:
        styler = styler.set_caption(i18n.value(caption))
    return styler


YES, NO = N_("yes"), N_("no")


def _header(name):
    """A column's name as the reader sees it (a name may be translated apart from the same word in a cell)."""
    return html.escape(i18n.header(name)) if isinstance(name, str) else _shown(name)


def _shown(v):
    """A value or label as the reader sees it: in their language (a truth value as yes or no), HTML-escaped."""
    if isinstance(v, (bool, np.bool_)):
        v = i18n._(YES) if v else i18n._(NO)
    v = i18n.value(v)
    return html.escape(v) if isinstance(v, str) else v


def transcript(text):
    """A program's output as a reader wants it: without the `STAMP label ns` lines."""
    return STAMP_LINE.sub("", text)


def follow_language():
    """In a notebook, show a bare DataFrame (a cell's value) the way show() would, once the reader's
    language is not English, so its column names and known words are in that language too."""
    from .figures import in_notebook

    if not in_notebook():
        return
    import pandas as pd
    from IPython import get_ipython

    html = get_ipython().display_formatter.formatters["text/html"]
    if i18n.language() == "en":
        html.pop(pd.DataFrame, None)
    else:
        html.for_type(pd.DataFrame, lambda df: show(df, index=not isinstance(df.index, pd.RangeIndex)).to_html())

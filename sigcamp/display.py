"""How a DataFrame looks to a reader: whole text wrapped, blanks where nothing was measured.

The data stay as the experiments returned them; `show()` only decides how they
are displayed (a pandas Styler, rendered the same in JupyterLab and the HTML
export), in the reader's language (column names and known words go through
the gettext catalogs; see i18n). `transcript()` hides the STAMP lines samples
print for the library.
"""

import re

from . import i18n

STAMP_LINE = re.compile(r"^STAMP \S+ \d+\r?\n?", re.M)


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
    if i18n.language() != "en":
        text = [c for c in df.columns if df[c].dtype == object]
        if text:
            styler = styler.format(i18n.value, subset=text, na_rep="", escape="html")
        styler = styler.format_index(lambda c: i18n._(str(c)), axis=1, escape="html")
    if caption:
        styler = styler.set_caption(i18n._(caption))
    return styler


def transcript(text):
    """A program's output as a reader wants it: without the `STAMP label ns` lines."""
    return STAMP_LINE.sub("", text)

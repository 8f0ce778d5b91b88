"""Text broken into lines by the width it takes on screen: a Chinese character is two columns wide.

`wrap()` is textwrap.wrap for English text; text with Chinese in it breaks between
any two Chinese characters as well as at spaces, and never puts a closing
punctuation mark at the start of a line.
"""

import re
import textwrap
import unicodedata

_WIDE = "\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
_TOKEN = re.compile(rf"\s+|[{_WIDE}]|[^\s{_WIDE}]+")
_NO_LINE_START = set("，。、；：？！）》」』】,.;:?!)")


def columns(text):
    """How many columns `text` takes on screen."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def wrap(text, width, *, indent=""):
    """`text` as lines of at most `width` columns (a word longer than that gets a line of its own);
    `indent` starts every line after the first."""
    if not re.search(f"[{_WIDE}]", text):
        return textwrap.wrap(text, width, subsequent_indent=indent) or [""]
    lines, line, space = [], "", False
    for token in _TOKEN.findall(text):
        if token.isspace():
            space = bool(line)
            continue
        piece = (" " if space else "") + token
        space = False
        if line.strip() and columns(line + piece) > width and token[0] not in _NO_LINE_START:
            lines.append(line)
            line = indent + token
        else:
            line += piece
    return lines + [line] if line else lines or [""]

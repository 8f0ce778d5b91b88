"""The language sigcamp speaks to its reader: English, or Chinese after `set_language("zh")`.

Words a reader sees are marked in the code with `_()` (translated when called)
or `N_()` (marked where defined, translated when displayed); gettext catalogs
under sigcamp/locale/ hold the translations (`pybabel` extracts and compiles
them: see babel.cfg). Data stay language-neutral: DataFrame values that code
compares are never translated, only what is displayed.
"""

import contextlib
import contextvars
import functools
import gettext
import os
import re
from pathlib import Path

LOCALE = Path(__file__).resolve().parent / "locale"
DOMAIN = "sigcamp"
LANGUAGES = ("en", "zh")
_chosen = []
_speaking = contextvars.ContextVar("sigcamp_speaking", default=None)


def _normalise(lang):
    code = (lang or "en").strip().lower().replace("-", "_").split(".")[0]
    code = {"zh_cn": "zh", "zh_hans": "zh", "cn": "zh", "c": "en", "posix": "en"}.get(code, code)
    code = code.split("_")[0] if code.split("_")[0] in LANGUAGES else code
    if code not in LANGUAGES:
        raise ValueError(f"language {lang!r}: sigcamp speaks {', '.join(LANGUAGES)}")
    return code


def language():
    """The language in use: speaking()'s in this thread or task, else the last set_language(), else
    $SIGCAMP_LANG, else English."""
    here = _speaking.get()
    if here:
        return here
    return _chosen[-1] if _chosen else _normalise(os.environ.get("SIGCAMP_LANG") or "en")


def known(lang):
    """The code of `lang` if sigcamp speaks it ("zh_CN" -> "zh"), else None (never an error)."""
    try:
        return _normalise(lang) if isinstance(lang, str) and len(lang) < 40 else None
    except ValueError:
        return None


def set_language(lang):
    """Speak `lang` ("en" or "zh") from now on in this process (a chapter's first cell shows nothing)."""
    code = _normalise(lang)
    _chosen[:] = [code]
    from . import display, figures

    display.follow_language()
    figures.follow_language()


@functools.cache
def catalog(lang):
    """The compiled catalog of `lang` (English needs none)."""
    if lang == "en":
        return gettext.NullTranslations()
    try:
        return gettext.translation(DOMAIN, LOCALE, languages=[lang])
    except FileNotFoundError:
        raise FileNotFoundError(f"no compiled {lang} catalog in {LOCALE}: run `make setup` "
                                "(it compiles sigcamp/locale/*/LC_MESSAGES/sigcamp.po)") from None


@contextlib.contextmanager
def speaking(lang):
    """Within the block, _() and what display shows speak `lang` (a page written in a given language,
    whatever the process speaks); the language in use before comes back after it. Only in this thread
    (or asyncio task): code that serves readers of several languages at once, as the grader grading
    their notebooks side by side, gives each its own. Yields the language's code."""
    code = _normalise(lang)
    token = _speaking.set(code)
    try:
        yield code
    finally:
        _speaking.reset(token)


def _(message):
    """`message` in the reader's language."""
    lang = language()
    return message if lang == "en" else catalog(lang).gettext(message)


def N_(message):
    """Mark `message` for translation where it is defined; translate it with _() where it is shown."""
    return message


def ngettext(singular, plural, n):
    """The singular or plural form for n, in the reader's language."""
    lang = language()
    if lang == "en":
        return singular if n == 1 else plural
    return catalog(lang).ngettext(singular, plural, n)


_patterns = []  # (compiled regex, message with {name} fields)
# Separators of the lists data carry ("caught, default", "SIGINT (from the terminal); SIGCHLD (its child ended)"):
# value() translates such a list item by item, joined by the separator in the reader's language.
LIST_SEPARATORS = (N_("; "), N_(", "))
_FIELD = re.compile(r"\{\w+\}")


def pattern(message, **fields):
    """Register a message with {name} fields (e.g. "killed by {signal}") that data carry filled in, so that
    value() can translate "killed by SIGINT" as a whole; returns the message (use it where it is filled in).

    fields: a regular expression for a field that must not match just anything (count=r"\\d+"), so that a
    message with little fixed text ("{count} of {total}") leaves other texts alone.
    """
    regex = re.escape(message)
    for name in re.findall(r"\\\{(\w+)\\\}", regex):
        regex = regex.replace(rf"\{{{name}\}}", rf"(?P<{name}>{fields.get(name, '.+?')})", 1)
    _patterns.append((re.compile(rf"^{regex}$", re.S), message))
    return message


def C_(context, message):
    """Mark `message` with a context where it is defined: C_("column", "stack") is a table's column name,
    translated apart from the same word typed in a cell (see header())."""
    return message


def header(name):
    """A column name in the reader's language: its translation in the "column" context if it has one, else
    value(name)."""
    lang = language()
    if lang == "en":
        return name
    translated = catalog(lang).pgettext("column", name)
    return translated if translated != name else value(name)


def value(text):
    """A displayed value in the reader's language: a whole message, a list of them (see LIST_SEPARATORS:
    "; " when any item is one, ", " when every item is), or a registered pattern filled in (the one with
    the most fixed text, when several match); anything else (numbers, names, program output) as it is."""
    if not isinstance(text, str) or language() == "en" or not text:
        return text
    translated = _(text)
    if translated != text:
        return translated
    for sep in LIST_SEPARATORS:
        if sep in text:
            items = text.split(sep)
            done = [value(item) for item in items]
            changed = [d != item for d, item in zip(done, items)]
            if all(changed) or (sep == "; " and any(changed)):
                return _(sep).join(done)
    found = [(message, m) for regex, message in _patterns if (m := regex.match(text))]
    if found:  # the most specific wins: "killed by {signal} (dlv's wait4)" over "killed by {signal}"
        message, m = max(found, key=lambda f: len(_FIELD.sub("", f[0])))
        return _(message).format(**{k: value(v) for k, v in m.groupdict().items()})
    return text

"""The language sigcamp speaks to its reader: English, or Chinese after `set_language("zh")`.

Words a reader sees are marked in the code with `_()` (translated when called)
or `N_()` (marked where defined, translated when displayed); gettext catalogs
under sigcamp/locale/ hold the translations (`pybabel` extracts and compiles
them: see babel.cfg). Data stay language-neutral: DataFrame values that code
compares are never translated, only what is displayed.
"""

import contextlib
import functools
import gettext
import os
from pathlib import Path

LOCALE = Path(__file__).resolve().parent / "locale"
DOMAIN = "sigcamp"
LANGUAGES = ("en", "zh")
_chosen = []


def _normalise(lang):
    code = (lang or "en").strip().lower().replace("-", "_").split(".")[0]
    code = {"zh_cn": "zh", "zh_hans": "zh", "cn": "zh", "c": "en", "posix": "en"}.get(code, code)
    code = code.split("_")[0] if code.split("_")[0] in LANGUAGES else code
    if code not in LANGUAGES:
        raise ValueError(f"language {lang!r}: sigcamp speaks {', '.join(LANGUAGES)}")
    return code


def language():
    """The language in use: the last set_language(), else $SIGCAMP_LANG, else English."""
    return _chosen[-1] if _chosen else _normalise(os.environ.get("SIGCAMP_LANG") or "en")


def set_language(lang):
    """Speak `lang` ("en" or "zh") from now on in this process; returns the code in use."""
    code = _normalise(lang)
    _chosen[:] = [code]
    from . import display

    display.follow_language()
    return code


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
    whatever the process speaks); the language in use before comes back after it."""
    code, saved = _normalise(lang), list(_chosen)
    _chosen[:] = [code]
    try:
        yield code
    finally:
        _chosen[:] = saved


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


def pattern(message):
    """Register a message with {name} fields (e.g. "killed by {signal}") that data carry filled in, so that
    value() can translate "killed by SIGINT" as a whole; returns the message (use it where it is filled in)."""
    import re

    regex = re.escape(message)
    for name in re.findall(r"\\\{(\w+)\\\}", regex):
        regex = regex.replace(rf"\{{{name}\}}", rf"(?P<{name}>.+?)", 1)
    _patterns.append((re.compile(rf"^{regex}$", re.S), message))
    return message


def value(text):
    """A displayed value in the reader's language: a whole message, or a registered pattern filled in;
    anything else (numbers, names, program output) as it is."""
    if not isinstance(text, str) or language() == "en" or not text:
        return text
    translated = _(text)
    if translated != text:
        return translated
    for regex, message in _patterns:
        m = regex.match(text)
        if m:
            return _(message).format(**{k: value(v) for k, v in m.groupdict().items()})
    return text

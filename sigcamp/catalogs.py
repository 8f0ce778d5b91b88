"""The gettext catalogs: messages extracted from the code, translations in .po files, compiled .mo files.

`extract()` finds every `_()`, `N_()`, `C_()` and `ngettext()` message in sigcamp/, grader/
and the labs' checks, and the description of each check (with Babel, as
`pybabel extract -F babel.cfg` would, and grader.catalog for the checks);
`update(lang)` brings sigcamp/locale/<lang>/LC_MESSAGES/sigcamp.po in line with
them, keeping every translation; `compile_all()` writes the .mo files set-up
ships with the library. `python -m sigcamp catalogs [--update]` runs them.
"""

import io
from pathlib import Path

from . import i18n, toolchain

SOURCES = ("sigcamp", "grader", "labs")
# labs' checks: their marked messages and each check's description (the first paragraph of its docstring)
METHODS = [("labs/**/checks.py", "grader.catalog:extract_checks"), ("sigcamp/**.py", "python"),
           ("grader/**.py", "python")]
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "C_": ((1, "c"), 2)}


def po_path(lang):
    return i18n.LOCALE / lang / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"


def mo_path(lang):
    return po_path(lang).with_suffix(".mo")


def extract():
    """A Babel Catalog of every message marked in the code (no locations, so it is stable under edits)."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir

    catalog = Catalog(project="sigcamp", domain=i18n.DOMAIN)
    root = toolchain.ROOT
    for filename, lineno, message, comments, context in extract_from_dir(
            root, METHODS, keywords=KEYWORDS, comment_tags=("Translators:",), strip_comment_tags=True,
            directory_filter=lambda d: Path(d).name not in (".venv", "_build", ".tools", "__pycache__", "workspace")):
        catalog.add(message, None, auto_comments=comments, context=context)
    return catalog


def read_po(lang):
    """The .po catalog of `lang` (an empty one when there is none yet)."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po as _read

    path = po_path(lang)
    if not path.exists():
        return Catalog(locale=lang, domain=i18n.DOMAIN)
    with open(path, "rb") as f:
        return _read(f, locale=lang, domain=i18n.DOMAIN)


def update(lang):
    """Add the code's new messages to lang's .po (untranslated), drop those the code no longer has; return
    (added, dropped) message ids."""
    from babel.messages.pofile import write_po

    template, po = extract(), read_po(lang)
    template.creation_date = po.creation_date  # a date that changes on every update would only make merges conflict
    before = {m.id for m in po if m.id}
    po.update(template, no_fuzzy_matching=True)
    po.obsolete.clear()
    _header(po, lang)
    after = {m.id for m in po if m.id}
    path = po_path(lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        write_po(f, po, omit_header=False, no_location=True, width=110, sort_output=False)
    return sorted(after - before, key=str), sorted(before - after, key=str)


def _header(po, lang):
    po.project, po.version, po.copyright_holder = "sigcamp", "", "the sigcamp authors"
    po.msgid_bugs_address = ""
    po.last_translator = "the sigcamp authors"
    po.language_team = f"sigcamp {lang}"
    po.fuzzy = False
    po.header_comment = f"# sigcamp: the course library's messages in {lang} (python -m sigcamp catalogs --update).\n#"


def compiled(lang):
    """The bytes of lang's .mo as compiling its .po now gives them."""
    from babel.messages.mofile import write_mo

    out = io.BytesIO()
    write_mo(out, read_po(lang), use_fuzzy=False)
    return out.getvalue()


def compile_all():
    """Compile every language's .po into the .mo the library reads; return the paths written."""
    written = []
    for lang in i18n.LANGUAGES:
        if lang == "en" or not po_path(lang).exists():
            continue
        data = compiled(lang)
        if not mo_path(lang).exists() or mo_path(lang).read_bytes() != data:
            mo_path(lang).write_bytes(data)
        written.append(mo_path(lang))
    i18n.catalog.cache_clear()
    return written


def untranslated(lang):
    """Message ids the code uses that lang's .po does not translate (or marks fuzzy)."""
    po = read_po(lang)
    missing = []
    for message in extract():
        if not message.id:
            continue
        entry = po.get(message.id, context=message.context)
        text = entry.string if entry else None
        done = all(text) if isinstance(text, (tuple, list)) else bool(text)
        if not entry or not done or entry.fuzzy:
            missing.append(message.id)
    return missing


def main(update_po=False):
    """`python -m sigcamp catalogs`: (with --update, refresh the .po files first) compile; report gaps."""
    status = 0
    for lang in i18n.LANGUAGES:
        if lang == "en":
            continue
        if update_po:
            added, dropped = update(lang)
            print(f"{po_path(lang)}: {len(added)} new message(s), {len(dropped)} dropped")
        gaps = untranslated(lang)
        if gaps:
            status = 1
            print(f"{lang}: {len(gaps)} message(s) without a translation, e.g. {gaps[0]!r}")
    for path in compile_all():
        print(f"compiled {path}")
    return status


def fill(lang, translations):
    """Set the translations of messages already in lang's .po ({message id: text}, or {(context, message id):
    text} for a message marked with C_()); return the ids not found there (run update() first)."""
    from babel.messages.pofile import write_po

    po = read_po(lang)
    unknown = []
    for msgid, text in translations.items():
        context, msgid = msgid if isinstance(msgid, tuple) else (None, msgid)
        entry = po.get(msgid, context=context)
        if entry is None:
            unknown.append(msgid)
            continue
        entry.string = text
        entry.flags.discard("fuzzy")
    with open(po_path(lang), "wb") as f:
        write_po(f, po, omit_header=False, no_location=True, width=110, sort_output=False)
    return unknown

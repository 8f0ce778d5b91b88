"""The static site for self-paced readers: `_build/site/`, written by `make course`.

`build()` writes one index per language edition that has executed chapters: the
English edition at the site's root, the Chinese one (built by `make course` from
the translations in `notebooks/zh/` into `_build/html/zh/`) under `zh/`. Each
edition has its chapters' pages (with a navigation bar that also leads to the
same chapter in the other edition), its claim ledger page when it has been
written, and its labs (a lab's release notebook as a page and as files to
download; a lab without a notebook in the edition's language is linked in English).
Everything an edition's pages say is in its language (sigcamp/locale catalogs).
"""

import html
import json
import os
import re
import shutil
import time
from dataclasses import dataclass, replace
from pathlib import Path

from . import htmlexport, i18n, toolchain, workspace

OUT = toolchain.BUILD / "site"
CLAIMS = toolchain.BUILD / "claims.html"
LABS = toolchain.ROOT / "labs"


@dataclass(frozen=True)
class Edition:
    """One language of the course: where its chapters come from, where `make course` put them."""

    lang: str  # BCP 47, for the pages: "en", "zh-Hans"
    label: str  # the language's own name, for the switcher
    sources: Path  # the chapters' sources: notebooks, or <stem>.md translations of the notebooks one folder up
    html: Path  # their executed HTML pages
    executed: Path  # their executed notebooks
    subdir: str  # where the edition goes in the site ("" = the root)
    claims: Path | None = None  # the claim ledger page as this edition wrote it

    @property
    def words(self):
        """The library's code for this language ("en", "zh"): which catalog the pages' words come from."""
        return self.lang.split("-")[0].lower()


EDITIONS = (
    Edition("en", "English", toolchain.ROOT / "notebooks", toolchain.BUILD / "html",
            toolchain.BUILD / "notebooks", "", CLAIMS),
    Edition("zh-Hans", "中文", toolchain.ROOT / "notebooks" / "zh", toolchain.BUILD / "html" / "zh",
            toolchain.BUILD / "notebooks" / "zh", "zh", toolchain.BUILD / "zh" / "claims.html"),
)

STYLE = f"""
body {{ font-family: {htmlexport.FONT_STACK}; max-width: 58rem; margin: 2rem auto; padding: 0 1.2rem;
       line-height: 1.55; color: #1f2933; }}
code, pre {{ font-family: {htmlexport.CODE_FONT_STACK}; background: #f3f4f6; padding: 0 .25em; border-radius: 3px; }}
pre {{ padding: .6em .8em; overflow-x: auto; }}
h1 {{ margin-bottom: .2rem; }} .subtitle {{ color: #52606d; margin-top: 0; }}
ol.chapters {{ list-style: none; padding-left: 1rem; }} ol.chapters li, ul.labs li {{ margin: .6rem 0; }} ul.labs p {{ margin: .2rem 0; }}
.zh {{ color: #52606d; display: block; }} .status {{ color: #b42318; font-size: .9em; }}
.other {{ color: #7b8794; font-size: .9em; }}
nav.editions {{ float: right; }} footer {{ margin-top: 3rem; color: #7b8794; font-size: .85em; }}
.howto {{ background: #f8fafc; border: 1px solid #e4e7eb; border-radius: 6px; padding: .2rem 1rem; }}
"""
NAV_STYLE = (".sigcamp-nav { position: sticky; top: 0; z-index: 10; background: #f8fafc; padding: 6px 16px; "
             f"border-bottom: 1px solid #e4e7eb; font-family: {htmlexport.FONT_STACK}; font-size: 14px; }}")


@dataclass
class Chapter:
    stem: str
    title: str
    subtitle: str
    status: str  # "" when it ran cleanly, else a short note


@dataclass
class Lab:
    """A lab as one edition shows it: its title and summary, and where its page and notebook are (from the
    site's root); `lang_note` is set when the edition has no notebook of its own and shows the English one."""

    name: str
    title: str
    summary: str
    page: str
    notebook: str
    lang_note: bool = False


def build(out=OUT, *, editions=EDITIONS, claims=None, labs=LABS):
    """Write the site to `out` (replacing what was there); return the path of its index.html.

    claims: the root edition's claim ledger page, instead of its own `claims`.
    """
    out, labs = Path(out), Path(labs)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    editions = list(editions)
    if claims is not None:
        editions[0] = replace(editions[0], claims=Path(claims))
    shown = editions[:1] + [e for e in editions[1:] if chapter_pages(e)]
    _copy_lab_releases(out, labs)
    for edition in shown:
        base = out / edition.subdir
        base.mkdir(parents=True, exist_ok=True)
        has_claims = _has_claims(edition)
        if has_claims:
            twins = [(e, os.path.relpath(out / e.subdir / "claims.html", base)) for e in shown
                     if e != edition and _has_claims(e)]
            (base / "claims.html").write_text(
                _with_nav(Path(edition.claims).read_text(encoding="utf-8"), edition, up="", twins=twins),
                encoding="utf-8")
        pages = chapter_pages(edition)
        chapters = [_chapter(edition, page) for page in pages]
        for i, (chapter, page) in enumerate(zip(chapters, pages)):
            prev = chapters[i - 1] if i else None
            nxt = chapters[i + 1] if i + 1 < len(chapters) else None
            dest = base / "chapters" / page.name
            dest.parent.mkdir(parents=True, exist_ok=True)
            twins = [(e, out / e.subdir / "chapters" / page.name) for e in shown
                     if e != edition and (e.html / page.name).is_file()]
            dest.write_text(_with_nav(page.read_text(encoding="utf-8"), edition, prev, nxt,
                                      twins=[(e, os.path.relpath(t, dest.parent)) for e, t in twins]),
                            encoding="utf-8")
        lab_list = _write_lab_pages(out, labs, edition)
        up = "../" * len(Path(edition.subdir).parts)
        (base / "index.html").write_text(
            _index(edition, chapters, lab_list, shown, up=up, claims=has_claims), encoding="utf-8")
    return out / "index.html"


def _has_claims(edition):
    return bool(edition.claims and Path(edition.claims).is_file())


def chapter_pages(edition):
    """The edition's executed chapter pages (NN-topic.html), in order."""
    return sorted(edition.html.glob("[0-9][0-9]-*.html")) if edition.html.is_dir() else []


def _words(lang):
    """gettext and ngettext of `lang`'s catalog (the site speaks each edition's language, whatever the process's)."""
    catalog = i18n.catalog(lang)
    return catalog.gettext, catalog.ngettext


def _chapter(edition, page):
    _, ngettext = _words(edition.words)
    title, subtitle = chapter_titles(edition, page.stem)
    executed = edition.executed / f"{page.stem}.ipynb"
    status = ""
    if executed.is_file():
        nb = json.loads(executed.read_text(encoding="utf-8"))
        errors = sum(o.get("output_type") == "error" for c in nb["cells"] for o in c.get("outputs", []))
        if errors:
            status = ngettext("this run stopped at an error ({count} error output)",
                              "this run stopped at an error ({count} error outputs)", errors).format(count=errors)
    return Chapter(page.stem, title or page.stem, subtitle, status)


def chapter_titles(edition, stem):
    """(first '# ' heading, first '### ' heading) of a chapter's first Markdown cell, in the edition's language:
    from the executed notebook, else the source notebook, else the edition built from its translation."""
    for notebook in (edition.executed / f"{stem}.ipynb", edition.sources / f"{stem}.ipynb"):
        if notebook.is_file():
            return titles(json.loads(notebook.read_text(encoding="utf-8"))["cells"])
    english = edition.sources.parent / f"{stem}.ipynb"
    if (edition.sources / f"{stem}.md").is_file() and english.is_file():
        from . import editions

        return titles(editions.build(english, edition.words, strict=False).cells)
    return "", ""


def titles(cells):
    """(first '# ' heading, first '### ' heading) of the first Markdown cell of `cells`."""
    first = next((c for c in cells if c["cell_type"] == "markdown"), None)
    text = "".join(first["source"]) if first else ""
    h1 = re.search(r"^#\s+(.+)$", text, re.M)
    h3 = re.search(r"^###\s+(.+)$", text, re.M)
    return (h1[1].strip() if h1 else ""), (h3[1].strip() if h3 else "")


def _releases(labs):
    return [(r.parent.name, r) for r in sorted(labs.glob("*/release"))
            if (r / f"{r.parent.name}.ipynb").is_file()]


def _copy_lab_releases(out, labs):
    """Each lab's release files (every language's notebook included) under labs/<lab>/, to download."""
    for name, release in _releases(labs):
        shutil.copytree(release, out / "labs" / name, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))


def _write_lab_pages(out, labs, edition):
    """Each lab's notebook in the edition's language as a page under <edition>/labs/ (the English one where
    the lab has no such notebook). Returns [Lab], paths from the site's root."""
    import nbformat

    found = []
    for name, release in _releases(labs):
        notebook = workspace.lab_notebook(release, edition.words) or release / f"{name}.ipynb"
        own = notebook.parent != release or edition.words == "en"
        page = f"{edition.subdir}/labs/{name}.html" if own and edition.subdir else f"labs/{name}.html"
        nb = nbformat.read(str(notebook), as_version=4)
        if not (out / page).exists():
            htmlexport.write_html(nb, out / page, lang=edition.words if own else "en")
        first = next((c.source for c in nb.cells if c.cell_type == "markdown"), "")
        h1 = re.search(r"^#\s+(.+)$", first, re.M)
        paras = [p.strip() for p in re.split(r"\n\s*\n", first) if p.strip() and not p.lstrip().startswith("#")]
        found.append(Lab(name, h1[1].strip() if h1 else name, paras[0] if paras else "", page,
                         f"labs/{name}/{notebook.relative_to(release).as_posix()}", lang_note=not own))
    return found


def _with_nav(page, edition, prev=None, nxt=None, *, up="../", twins=()):
    """The page with a bar linking the edition's index, the previous and next chapters and the same page in
    other editions, in the edition's language."""
    _ = _words(edition.words)[0]
    index = html.escape(_("Course index"))
    links = [f'<a href="{up}index.html">{index}</a>']
    if prev:
        links.append(f'<a href="{prev.stem}.html">← {html.escape(prev.title)}</a>')
    if nxt:
        links.append(f'<a href="{nxt.stem}.html">{html.escape(nxt.title)} →</a>')
    links += [f'<a href="{link}" lang="{other.lang}" hreflang="{other.lang}">{html.escape(other.label)}</a>'
              for other, link in twins]
    nav = f'<style>{NAV_STYLE}</style><nav class="sigcamp-nav">' + " &nbsp;·&nbsp; ".join(links) + "</nav>"
    return re.sub(r"(<body[^>]*>)", lambda m: m[1] + nav, page, count=1)


INDEX = """<!DOCTYPE html>
<html lang="{lang}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><style>{style}</style></head>
<body>
{switch}
<h1>{title}</h1>
<p class="subtitle">{subtitle}</p>
<h2>{chapters_heading}</h2>
{chapters}
{claims}
<h2>{labs_heading}</h2>
<p>{labs_intro}</p>
<ul class="labs">{labs}</ul>
<div class="howto">
<h2>{howto_heading}</h2>
<p>{howto}</p>
<pre>make lab</pre>
<p>{workspace}</p>
{check}
</div>
<footer>{footer}</footer>
</body></html>
"""


def _index(edition, chapters, labs, editions, *, up, claims):
    """An edition's index page, every word in its language (messages are kept out of f-strings, where the
    catalog's extraction cannot see them)."""
    _ = _words(edition.words)[0]
    e = html.escape
    switch = " · ".join(f'<a href="{up}{x.subdir + "/" if x.subdir else ""}index.html" lang="{x.lang}" '
                        f'hreflang="{x.lang}">{e(x.label)}</a>' for x in editions if x != edition)
    article, in_english, notebook = _("The article: {title}"), e(_("(in English)")), e(_("notebook"))
    items = []
    for c in chapters:
        if not c.subtitle:
            sub = ""
        elif edition.words == "en":
            sub = f'<span class="zh" lang="zh-Hans">{e(c.subtitle)}</span>'
        else:
            sub = f'<span class="zh">{e(article.format(title=c.subtitle))}</span>'
        status = f' <span class="status">({e(c.status)})</span>' if c.status else ""
        items.append(f'<li><a href="chapters/{c.stem}.html">{e(c.title)}</a>{status}{sub}</li>')
    lab_items = []
    for lab in labs:
        download = f'<a href="{up}{lab.notebook}" download>{notebook}</a>'
        title = f'<a href="{up}{lab.page}">{e(lab.title)}</a>'
        title += f' <span class="other">{in_english}</span>' if lab.lang_note else ""
        after = workspace.LAB_AFTER.get(lab.name)
        line = _("{title} ({notebook}; after chapter {number})").format(
            title=title, notebook=download, number=int(after)) if after \
            else _("{title} ({notebook})").format(title=title, notebook=download)
        summary = "" if lab.lang_note else _markdown(lab.summary)  # no English paragraph in another edition
        lab_items.append(f"<li>{line}{summary}</li>")
    claims_html = ""
    if claims:
        heading, link = e(_("The claim ledger")), \
            e(_("Every claim the course makes, with the experiment that shows it and what it measured"))
        claims_html = f'<h2>{heading}</h2><p><a href="claims.html">{link}</a></p>'
    chapters_html = f'<ol class="chapters">{"".join(items)}</ol>' if items else \
        "<p>" + _("No chapter has been executed yet: run {command}.").format(command="<code>make course</code>") + "</p>"
    example = _check_example(labs)
    check = "<p>" + _("Check a lab with {command}.").format(
        command=f"<code>.venv/bin/python -m grader check {example}</code>") + "</p>" if example else ""
    chapters_dir = "workspace/chapters/" + (f"{edition.words}/" if edition.words != "en" else "")
    go, stamp = _go_version(), time.strftime("%Y-%m-%d %H:%M")
    footer = _("Executed {date} with {go}.").format(date=stamp, go=go) if go else _("Executed {date}.").format(date=stamp)
    return INDEX.format(
        lang=edition.lang, title=e(_("sigcamp: debugging POSIX signals in Go")), style=STYLE,
        switch=f'<nav class="editions">{switch}</nav>' if switch else "",
        subtitle=_('Why Ctrl+C "does nothing", how the Go runtime takes over signals, per-thread masks, how cgo '
                   'loses signals, and how to find it all with delve, strace, gdb and {proc}. Every output on '
                   'these pages comes from a live run of a real program.').format(proc="<code>/proc</code>"),
        chapters_heading=e(_("Chapters")), chapters=chapters_html, claims=claims_html,
        labs_heading=e(_("Labs")), labs_intro=e(_("Each lab follows the chapter that teaches what it needs.")),
        labs="".join(lab_items), howto_heading=e(_("Run it yourself")),
        howto=e(_("These pages are a record of one run. To run the experiments yourself and do the labs, on Linux, "
                  "in a copy of the course's repository:")),
        workspace=_("It sets everything up, copies the chapters and labs into {workspace} (this edition's chapters "
                    "are in {chapters}) and prints the URL of JupyterLab.").format(
            workspace="<code>workspace/</code>", chapters=f"<code>{chapters_dir}</code>"),
        check=check, footer=e(footer))


def _check_example(labs):
    """`N labs/...` for the check command, with the workspace's path of the edition's notebook of a lab."""
    if not labs:
        return ""
    lab = next((x for x in labs if x.name == "02-masks"), labs[0])
    number = lab.name[:2].lstrip("0") or lab.name
    return f"{number} workspace/{lab.notebook}"


def _markdown(text):
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    return markdown2html_mistune(text) if text else ""


def _go_version():
    try:
        return toolchain.go().version_text
    except Exception:
        return ""

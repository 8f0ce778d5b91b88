"""The static site for self-paced readers: `_build/site/`, written by `make course`.

`build()` copies each executed chapter's HTML page (with a small navigation bar),
the claim ledger when it has been built, and each lab (its release notebook as a
page and as files to download), and writes an index per language edition: the
English chapters at the site's root, another edition (`notebooks/zh/`, executed
to `_build/html/zh/`) under `zh/`, each index linking to the others.
"""

import html
import json
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from . import htmlexport, toolchain, workspace

OUT = toolchain.BUILD / "site"
CLAIMS = toolchain.BUILD / "claims.html"
LABS = toolchain.ROOT / "labs"


@dataclass(frozen=True)
class Edition:
    """One language of the course: where its notebooks are, where `make course` put their HTML."""

    lang: str  # BCP 47: "en", "zh-Hans"
    label: str  # the language's own name, for the switcher
    sources: Path  # the chapter notebooks
    html: Path  # their executed HTML pages
    executed: Path  # their executed notebooks
    subdir: str  # where the edition goes in the site ("" = the root)


EDITIONS = (
    Edition("en", "English", toolchain.ROOT / "notebooks", toolchain.BUILD / "html",
            toolchain.BUILD / "notebooks", ""),
    Edition("zh-Hans", "中文", toolchain.ROOT / "notebooks" / "zh", toolchain.BUILD / "html" / "zh",
            toolchain.BUILD / "notebooks" / "zh", "zh"),
)

STYLE = f"""
body {{ font-family: {htmlexport.FONT_STACK}; max-width: 58rem; margin: 2rem auto; padding: 0 1.2rem;
       line-height: 1.55; color: #1f2933; }}
code, pre {{ font-family: {htmlexport.CODE_FONT_STACK}; background: #f3f4f6; padding: 0 .25em; border-radius: 3px; }}
pre {{ padding: .6em .8em; overflow-x: auto; }}
h1 {{ margin-bottom: .2rem; }} .subtitle {{ color: #52606d; margin-top: 0; }}
ol.chapters li, ul.labs li {{ margin: .6rem 0; }} ul.labs p {{ margin: .2rem 0; }}
.zh {{ color: #52606d; display: block; }} .status {{ color: #b42318; font-size: .9em; }}
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


def build(out=OUT, *, editions=EDITIONS, claims=CLAIMS, labs=LABS):
    """Write the site to `out` (replacing what was there); return the path of its index.html."""
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    present = [e for e in editions if chapter_pages(e)]
    lab_list = _write_labs(out, Path(labs))
    has_claims = Path(claims).is_file()
    if has_claims:
        (out / "claims.html").write_text(_with_nav(Path(claims).read_text(encoding="utf-8"), None, None, up=""),
                                         encoding="utf-8")
    for edition in present or editions[:1]:
        base = out / edition.subdir
        chapters = [_chapter(edition, page) for page in chapter_pages(edition)]
        for i, (chapter, page) in enumerate(zip(chapters, chapter_pages(edition))):
            prev = chapters[i - 1] if i else None
            nxt = chapters[i + 1] if i + 1 < len(chapters) else None
            dest = base / "chapters" / page.name
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(_with_nav(page.read_text(encoding="utf-8"), prev, nxt), encoding="utf-8")
        up = "../" if edition.subdir else ""
        (base / "index.html").write_text(
            _index(edition, chapters, lab_list, present, up=up, claims=has_claims), encoding="utf-8")
    return out / "index.html"


def chapter_pages(edition):
    """The edition's executed chapter pages (NN-topic.html), in order."""
    return sorted(edition.html.glob("[0-9][0-9]-*.html")) if edition.html.is_dir() else []


def _chapter(edition, page):
    title, subtitle = _titles(edition.sources / f"{page.stem}.ipynb")
    executed = edition.executed / f"{page.stem}.ipynb"
    status = ""
    if executed.is_file():
        nb = json.loads(executed.read_text(encoding="utf-8"))
        errors = sum(o.get("output_type") == "error" for c in nb["cells"] for o in c.get("outputs", []))
        if errors:
            status = f"this run stopped at an error ({errors} error output(s))"
    return Chapter(page.stem, title or page.stem, subtitle, status)


def _titles(notebook):
    """(first '# ' heading, first '### ' heading) of the notebook's first Markdown cell."""
    if not notebook.is_file():
        return "", ""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    first = next((c for c in cells if c["cell_type"] == "markdown"), None)
    text = "".join(first["source"]) if first else ""
    h1 = re.search(r"^#\s+(.+)$", text, re.M)
    h3 = re.search(r"^###\s+(.+)$", text, re.M)
    return (h1[1].strip() if h1 else ""), (h3[1].strip() if h3 else "")


def _write_labs(out, labs):
    """Each lab's release: the notebook as a page, and its files to download. Returns [(name, title, summary)]."""
    import nbformat

    found = []
    for release in sorted(labs.glob("*/release")):
        name = release.parent.name
        notebook = release / f"{name}.ipynb"
        if not notebook.is_file():
            continue
        shutil.copytree(release, out / "labs" / name, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        nb = nbformat.read(str(notebook), as_version=4)
        htmlexport.write_html(nb, out / "labs" / f"{name}.html")
        first = next((c.source for c in nb.cells if c.cell_type == "markdown"), "")
        h1 = re.search(r"^#\s+(.+)$", first, re.M)
        paras = [p.strip() for p in re.split(r"\n\s*\n", first) if p.strip() and not p.lstrip().startswith("#")]
        found.append((name, h1[1].strip() if h1 else name, paras[0] if paras else ""))
    return found


def _with_nav(page, prev, nxt, *, up="../"):
    links = [f'<a href="{up}index.html">Course index</a>']
    if prev:
        links.append(f'<a href="{prev.stem}.html">← {html.escape(prev.title)}</a>')
    if nxt:
        links.append(f'<a href="{nxt.stem}.html">{html.escape(nxt.title)} →</a>')
    nav = f'<style>{NAV_STYLE}</style><nav class="sigcamp-nav">' + " &nbsp;·&nbsp; ".join(links) + "</nav>"
    return re.sub(r"(<body[^>]*>)", lambda m: m[1] + nav, page, count=1)


def _index(edition, chapters, labs, editions, *, up, claims):
    e = html.escape
    switch = " · ".join(f'<a href="{up}{x.subdir + "/" if x.subdir else ""}index.html" lang="{x.lang}">{e(x.label)}</a>'
                        for x in editions if x != edition)
    items = []
    for c in chapters:
        zh = f'<span class="zh" lang="zh-Hans">{e(c.subtitle)}</span>' if c.subtitle else ""
        status = f' <span class="status">({e(c.status)})</span>' if c.status else ""
        items.append(f'<li><a href="chapters/{c.stem}.html">{e(c.title)}</a>{status}{zh}</li>')
    lab_items = [f'<li><a href="{up}labs/{n}.html">{e(t)}</a> (<a href="{up}labs/{n}/{n}.ipynb" download>notebook</a>'
                 f'{_after(n)}){_markdown(s)}</li>' for n, t, s in labs]
    claims_html = (f'<h2>The claim ledger</h2><p><a href="{up}claims.html">Every claim the course makes, '
                   'with the experiment that shows it and what it measured</a>.</p>') if claims else ""
    chapters_html = f'<ol class="chapters">{"".join(items)}</ol>' if items else \
        "<p>No chapter has been executed yet: run <code>make course</code>.</p>"
    go = _go_version()
    return f"""<!DOCTYPE html>
<html lang="{edition.lang}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>sigcamp: debugging POSIX signals in Go</title><style>{STYLE}</style></head>
<body>
{f'<nav class="editions">{switch}</nav>' if switch else ''}
<h1>sigcamp: debugging POSIX signals in Go</h1>
<p class="subtitle">Why Ctrl+C "does nothing", how the Go runtime takes over signals, per-thread masks, how cgo
loses signals, and how to find it all with delve, strace, gdb and <code>/proc</code>. Every output on these pages
comes from a live run of a real program.</p>
<h2>Chapters</h2>
{chapters_html}
{claims_html}
<h2>Labs</h2>
<p>Each lab follows the chapter that teaches what it needs.</p>
<ul class="labs">{"".join(lab_items)}</ul>
<div class="howto">
<h2>Run it yourself</h2>
<p>These pages are a record of one run. To run the experiments yourself and do the labs, on Linux, in a
copy of the course's repository:</p>
<pre>make lab</pre>
<p>It sets everything up, copies the chapters and labs into <code>workspace/</code> and prints the URL of
JupyterLab. Check a lab with
<code>.venv/bin/python -m grader check 2 workspace/labs/02-masks/02-masks.ipynb</code>.</p>
</div>
<footer>Executed {time.strftime("%Y-%m-%d %H:%M")}{f" with {go}" if go else ""}.</footer>
</body></html>
"""


def _after(lab):
    chapter = workspace.LAB_AFTER.get(lab)
    return f"; after chapter {int(chapter)}" if chapter else ""


def _markdown(text):
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    return markdown2html_mistune(text) if text else ""


def _go_version():
    try:
        return toolchain.go().version_text
    except Exception:
        return ""

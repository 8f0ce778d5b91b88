"""HTML pages and the static site: a CJK font named, widgets drawn from their saved state, every
link leading to a page that exists, room for a second language edition."""

import html
import re
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from sigcamp import course, htmlexport, site, toolchain

KERNEL = {"name": "sigcamp", "display_name": "Python (sigcamp)", "language": "python"}


@pytest.fixture(scope="module")
def widget_notebook(tmp_path_factory):
    """A notebook whose last cell shows an explorer-like panel, executed by nbclient like a chapter."""
    nb = new_notebook(cells=[
        new_markdown_cell("# 9. A test chapter\n### 第九章:测试"),
        new_code_cell("import ipywidgets as w\nfrom IPython.display import display\n"
                      "out = w.Output()\nwith out:\n    print('a run inside the panel')\n"
                      "w.VBox([w.HBox([w.Dropdown(options=['first scenario', 'second scenario'], index=1, "
                      "description='scenario'), w.Button(description='run and press Ctrl+C')]), out])")])
    nb.metadata["kernelspec"] = KERNEL
    path = tmp_path_factory.mktemp("nb") / "09-test.ipynb"
    nbformat.write(nb, str(path))
    result, executed = course.execute(path, write=False)
    assert result.status == "ok", result.error
    return executed


def test_widgets_become_static_html_not_an_empty_output(widget_notebook):
    page = htmlexport.to_html(widget_notebook)
    assert htmlexport.WIDGET_VIEW not in page and htmlexport.WIDGET_STATE not in page
    assert "html-manager" not in page, "no widget script from a CDN"
    assert re.search(r"<select disabled[^>]*><option>first scenario</option><option selected[^>]*>second scenario",
                     page)
    assert re.search(r"<button disabled[^>]*>run and press Ctrl\+C</button>", page)
    assert "a run inside the panel" in page
    assert "make lab" in page


def test_pages_name_a_cjk_font(widget_notebook):
    page = htmlexport.to_html(widget_notebook)
    style = page[page.rindex("<style>"):]
    assert "--jp-content-font-family" in style and '"Noto Sans CJK SC"' in style
    assert '<html lang="en">' in page
    assert "第九章" in page


def _edition(tmp_path, subdir, lang, stems, *, failing=()):
    sources = tmp_path / "notebooks" / subdir
    html_dir = tmp_path / "html" / subdir
    executed = tmp_path / "executed" / subdir
    for d in (sources, html_dir, executed):
        d.mkdir(parents=True, exist_ok=True)
    for i, stem in enumerate(stems, 1):
        nb = new_notebook(cells=[new_markdown_cell(f"# {i}. Chapter {stem}\n### 第{i}章:{stem}")])
        nbformat.write(nb, str(sources / f"{stem}.ipynb"))
        if stem in failing:
            nb.cells.append(new_code_cell("1/0", outputs=[nbformat.v4.new_output("error", ename="ZeroDivisionError",
                                                                               evalue="x", traceback=[])]))
        nbformat.write(nb, str(executed / f"{stem}.ipynb"))
        (html_dir / f"{stem}.html").write_text(f"<html><head></head><body><h1>{stem}</h1></body></html>")
    label = {"en": "English", "zh-Hans": "中文"}[lang]
    return site.Edition(lang, label, sources, html_dir, executed, subdir)


def _links(page):
    return [html.unescape(h) for h in re.findall(r'href="([^"#]+)"', page.read_text())]


def test_site_links_every_page_it_names(tmp_path):
    en = _edition(tmp_path, "", "en", ["01-ctrl-c", "02-runtime"], failing=["02-runtime"])
    zh = _edition(tmp_path, "zh", "zh-Hans", ["01-ctrl-c"])
    claims = tmp_path / "claims.html"
    claims.write_text("<html><body>ledger</body></html>")
    index = site.build(tmp_path / "site", editions=(en, zh), claims=claims)
    text = index.read_text()
    for page in [index, index.parent / "zh" / "index.html", index.parent / "claims.html",
                 *index.parent.glob("**/chapters/*.html")]:
        for link in _links(page):
            assert (page.parent / link).resolve().exists(), f"{page.name}: broken link {link}"
    assert re.search(r'href="chapters/01-ctrl-c.html">1\. Chapter 01-ctrl-c</a>', text)
    assert '<span class="zh" lang="zh-Hans">第1章:01-ctrl-c</span>' in text
    assert "stopped at an error" in text.split("02-runtime.html")[1].split("</li>")[0]
    assert 'href="claims.html"' in text and 'href="zh/index.html"' in text
    assert "Noto Sans CJK SC" in text
    for lab in sorted(p.parent.name for p in (toolchain.ROOT / "labs").glob("*/release")):
        assert f'href="labs/{lab}.html"' in text
        assert (index.parent / "labs" / lab / f"{lab}.ipynb").exists()
    zh_index = (index.parent / "zh" / "index.html").read_text()
    assert '<html lang="zh-Hans">' in zh_index and 'href="../index.html"' in zh_index
    assert 'href="index.html">Course index' in (index.parent / "claims.html").read_text()
    nav = (index.parent / "chapters" / "01-ctrl-c.html").read_text()
    assert 'href="../index.html"' in nav and 'href="02-runtime.html"' in nav


def test_site_without_a_ledger_does_not_link_one(tmp_path):
    en = _edition(tmp_path, "", "en", ["01-ctrl-c"])
    index = site.build(tmp_path / "site", editions=(en,), claims=tmp_path / "absent.html", labs=tmp_path / "none")
    text = index.read_text()
    assert "claims.html" not in text and "01-ctrl-c.html" in text


def test_default_editions_follow_course_output():
    english = site.EDITIONS[0]
    assert english.html == course.HTML and english.sources == course.NOTEBOOKS and english.subdir == ""
    assert any(e.subdir == "zh" and e.html == course.HTML / "zh" for e in site.EDITIONS)
    assert site.OUT == toolchain.BUILD / "site" and Path(site.CLAIMS).name == "claims.html"

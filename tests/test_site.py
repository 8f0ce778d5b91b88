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


VISIBLE_ENGLISH = re.compile(r"\b[A-Za-z]{4,}\b")


def _visible_words(page):
    """The page's visible text apart from code, preformatted text, styles and the language switcher."""
    text = re.sub(r"<(style|code|pre|nav|title)[^>]*>.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", text))


def _chinese_course(tmp_path):
    """A course with an English chapter, its Chinese translation (a <stem>.md file, as in notebooks/zh/),
    both executed to HTML, and two labs: one with a Chinese notebook in its release, one without."""
    from sigcamp import editions

    en = _edition(tmp_path, "", "en", ["01-ctrl-c"])
    source = en.sources / "01-ctrl-c.ipynb"
    nb = nbformat.read(str(source), as_version=4)
    cell = nb.cells[0]
    editions.write(editions.translation_path(source, "zh"), [
        editions.Block(cell.id, editions.fingerprint(cell.source), "# 1. 为什么 Ctrl+C 好像不起作用\n### 第一章:原文标题")])
    html_dir = tmp_path / "html" / "zh"
    html_dir.mkdir(parents=True)
    (html_dir / "01-ctrl-c.html").write_text('<html lang="zh"><head></head><body><h1>第一章</h1></body></html>')
    zh = site.Edition("zh-Hans", "中文", en.sources / "zh", html_dir, tmp_path / "executed" / "zh", "zh",
                      tmp_path / "zh" / "claims.html")
    zh.claims.parent.mkdir()
    zh.claims.write_text('<html lang="zh-Hans"><body>说法判定表</body></html>')
    labs = tmp_path / "labs"
    for name, title, zh_title in (("02-masks", "Lab 2: masks", "练习 2：信号掩码"), ("03-cgo-ctrl-c", "Lab 3: cgo", None)):
        release = labs / name / "release"
        release.mkdir(parents=True)
        nbformat.write(new_notebook(cells=[new_markdown_cell(f"# {title}\n\nFix the program.")]),
                       str(release / f"{name}.ipynb"))
        if zh_title:
            (release / "zh").mkdir()
            nbformat.write(new_notebook(cells=[new_markdown_cell(f"# {zh_title}\n\n修好这个程序。")]),
                           str(release / "zh" / f"{name}.ipynb"))
    return en, zh, labs


def test_the_chinese_index_speaks_chinese_and_links_both_editions(tmp_path):
    en, zh, labs = _chinese_course(tmp_path)
    index = site.build(tmp_path / "site", editions=(en, zh), claims=tmp_path / "absent.html", labs=labs)
    root = index.parent
    zh_index = root / "zh" / "index.html"
    for page in [index, zh_index, root / "zh" / "claims.html", *root.glob("**/chapters/*.html")]:
        for link in _links(page):
            assert (page.parent / link).resolve().exists(), f"{page}: broken link {link}"
    text = zh_index.read_text()
    assert '<html lang="zh-Hans">' in text and "Noto Sans CJK SC" in text
    assert 'href="../index.html" lang="en" hreflang="en">English</a>' in text
    assert 'href="zh/index.html" lang="zh-Hans" hreflang="zh-Hans">中文</a>' in index.read_text()
    # the chapter's title comes from its translation (not executed here), the article's title beside it
    assert 'href="chapters/01-ctrl-c.html">1. 为什么 Ctrl+C 好像不起作用</a>' in text
    assert "原文：第一章:原文标题" in text
    for heading in ("章节", "说法判定表", "练习", "自己动手运行"):
        assert f"<h2>{heading}</h2>" in text
    assert 'href="claims.html"' in text and "课程目录" in (root / "zh" / "claims.html").read_text()
    assert "English</a>" not in (root / "zh" / "claims.html").read_text(), "no English ledger to lead to here"
    # a lab with a Chinese notebook: its page and download; a lab without one: the English, said so
    assert 'href="../zh/labs/02-masks.html">练习 2：信号掩码</a>' in text
    assert 'href="../labs/02-masks/zh/02-masks.ipynb" download' in text and "在第 2 章之后" in text
    assert '<html lang="zh">' in (root / "zh" / "labs" / "02-masks.html").read_text()
    assert re.search(r'href="\.\./labs/03-cgo-ctrl-c\.html">Lab 3: cgo</a> <span class="other">（英文版）', text)
    assert "grader check 2 workspace/labs/02-masks/zh/02-masks.ipynb" in text
    assert "<code>workspace/chapters/zh/</code>" in text
    # English only in names and in the title of the lab that has no Chinese notebook (its summary is left out)
    english = set(VISIBLE_ENGLISH.findall(_visible_words(text))) - {"Ctrl", "sigcamp", "POSIX", "delve", "strace",
                                                                    "JupyterLab", "Linux", "notebook"}
    assert english == set(), f"English words on the Chinese index: {sorted(english)}"
    assert "修好这个程序。" in text and "Fix the program." not in text
    # the English index stays English, and links the Chinese lab notebook nowhere but in the Chinese index
    assert "<h2>Chapters</h2>" in index.read_text() and "练习" not in index.read_text()


def test_chapter_pages_lead_to_the_same_chapter_in_the_other_edition(tmp_path):
    en, zh, labs = _chinese_course(tmp_path)
    index = site.build(tmp_path / "site", editions=(en, zh), labs=labs)
    zh_page = (index.parent / "zh" / "chapters" / "01-ctrl-c.html").read_text()
    en_page = (index.parent / "chapters" / "01-ctrl-c.html").read_text()
    assert re.search(r'<a href="\.\./index\.html">课程目录</a>.*<a href="\.\./\.\./chapters/01-ctrl-c\.html" '
                     r'lang="en" hreflang="en">English</a>', zh_page)
    assert re.search(r'<a href="\.\./index\.html">Course index</a>.*<a href="\.\./zh/chapters/01-ctrl-c\.html" '
                     r'lang="zh-Hans" hreflang="zh-Hans">中文</a>', en_page)
    en_claims = tmp_path / "claims.html"  # the Chinese one is in _chinese_course
    en_claims.write_text("<html><body>ledger</body></html>")
    index = site.build(tmp_path / "site", editions=(en, zh), claims=en_claims, labs=labs)
    assert '<a href="zh/claims.html" lang="zh-Hans" hreflang="zh-Hans">中文</a>' in (index.parent / "claims.html").read_text()
    assert '<a href="../claims.html" lang="en" hreflang="en">English</a>' in (index.parent / "zh" / "claims.html").read_text()


def test_a_failed_chinese_chapter_is_marked_in_chinese(tmp_path):
    en = _edition(tmp_path, "", "en", ["01-ctrl-c"])
    zh = _edition(tmp_path, "zh", "zh-Hans", ["01-ctrl-c"], failing=["01-ctrl-c"])
    text = (site.build(tmp_path / "site", editions=(en, zh), labs=tmp_path / "none").parent / "zh" / "index.html") \
        .read_text()
    assert "这次运行因错误而中止（1 个错误输出）" in text
    assert "stopped at an error" not in text

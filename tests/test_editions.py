"""Language editions: built from the English notebooks' code, every Markdown cell translated and current."""

import re

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from sigcamp import catalogs, course, editions, toolchain

LAB_SOURCES = sorted(toolchain.ROOT.glob("labs/*/source.ipynb"))
SOURCES = course.notebooks() + LAB_SOURCES
ENGLISH_RUN = re.compile(r"(?<![\w`/.-])[A-Za-z][a-z]+(?:[ ,;:'-]+[A-Za-z][a-z]+){4,}")


def prose(text):
    """The text a reader reads as language: no code, links' targets, HTML tags or math."""
    text = re.sub(r"```.*?```", " ", text, flags=re.S)
    text = re.sub(r"`[^`]*`", " ", text)
    text = re.sub(r"\]\([^)]*\)", "]", text)
    text = re.sub(r"<[^>]+>", " ", text)
    return re.sub(r"https?://\S+", " ", text)


@pytest.mark.parametrize("lang", editions.LANGUAGES)
@pytest.mark.parametrize("source", SOURCES, ids=lambda p: str(p.relative_to(toolchain.ROOT)))
def test_every_markdown_cell_is_translated_and_current(source, lang):
    assert editions.translation_path(source, lang).exists(), f"no {lang} translation of {source.name}"
    problems = editions.check(source, lang)
    assert not problems, str(problems)


@pytest.mark.parametrize("lang", editions.LANGUAGES)
@pytest.mark.parametrize("source", SOURCES, ids=lambda p: str(p.relative_to(toolchain.ROOT)))
def test_no_english_paragraph_is_left(source, lang):
    if not editions.translation_path(source, lang).exists():
        pytest.fail(f"no {lang} translation of {source.name}")
    left = []
    for block in editions.read_all(source, lang).values():
        text = prose(block.text)
        if not re.search(r"[\u4e00-\u9fff]", text) and re.search(r"[A-Za-z]{3,}", text):
            left.append(f"{block.cell_id}: no Chinese at all")
        for m in ENGLISH_RUN.finditer(text):
            left.append(f"{block.cell_id}: {m.group(0)!r}")
    assert not left, "English left in the translation:\n" + "\n".join(left[:20])


HAN = "\u4e00-\u9fff"
ASCII_PUNCTUATION_IN_CHINESE = re.compile(rf"[{HAN}][ \t]*[,;:(]|[,;:][ \t]*[{HAN}]")


def ascii_punctuation(text):
    """Lines of Chinese prose (no code, fields or quotations) with an ASCII comma, semicolon, colon or
    parenthesis beside a Chinese character, where Chinese punctuation belongs."""
    text = re.sub(r"\{[^{}]*\}|“[^”]*”", " ", prose(text))
    return [line.strip() for line in text.splitlines() if ASCII_PUNCTUATION_IN_CHINESE.search(line)]


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: str(p.relative_to(toolchain.ROOT)))
def test_chinese_prose_uses_chinese_punctuation(source):
    found = [line for block in editions.read_all(source, "zh").values() for line in ascii_punctuation(block.text)]
    assert not found, f"{len(found)} line(s) with ASCII punctuation in Chinese, e.g. {found[:3]}"


def test_chinese_messages_use_chinese_punctuation():
    found = [text for m in catalogs.read_po("zh") if m.id
             for text in ([m.string] if isinstance(m.string, str) else m.string) if ascii_punctuation(text or "")]
    assert not found, f"{len(found)} message(s) with ASCII punctuation in Chinese, e.g. {found[:3]}"


@pytest.mark.parametrize("lang", editions.LANGUAGES)
@pytest.mark.parametrize("source", SOURCES, ids=lambda p: str(p.relative_to(toolchain.ROOT)))
def test_code_is_the_english_notebooks_code(source, lang):
    en = nbformat.read(str(source), as_version=4)
    built = editions.build(source, lang, strict=False)
    assert built.cells[0].id == editions.FIRST_CELL_ID and f'set_language("{lang}")' in built.cells[0].source
    assert [(c.id, c.source) for c in built.cells[1:] if c.cell_type == "code"] == \
        [(c.id, c.source) for c in en.cells if c.cell_type == "code"]
    assert [c.id for c in built.cells[1:]] == [c.id for c in en.cells]


def notebook(tmp_path, *texts):
    nb = new_notebook(cells=[new_markdown_cell(t) if not t.startswith("print") else new_code_cell(t) for t in texts])
    for i, c in enumerate(nb.cells):
        c.id = f"cell-{i}"
    path = tmp_path / "01-demo.ipynb"
    nbformat.write(nb, str(path))
    return path


def test_a_missing_or_stale_translation_is_refused(tmp_path):
    path = notebook(tmp_path, "# Title", "print(1)", "Some prose.")
    with pytest.raises(ValueError, match="untranslated cells: cell-0, cell-2"):
        editions.build(path, "zh")
    blocks = editions.template(path, "zh")
    editions.write(editions.translation_path(path, "zh"),
                   [editions.Block(b.cell_id, b.fp, "# 标题" if b.cell_id == "cell-0" else "一段文字。") for b in blocks])
    built = editions.build(path, "zh")
    assert [c.source for c in built.cells] == ['import sigcamp\nsigcamp.set_language("zh")', "# 标题", "print(1)",
                                               "一段文字。"]
    nb = nbformat.read(str(path), as_version=4)
    nb.cells[2].source = "Some prose, changed."
    nbformat.write(nb, str(path))
    with pytest.raises(ValueError, match="English changed since they were translated: cell-2"):
        editions.build(path, "zh")
    assert editions.build(path, "zh", strict=False).cells[3].source == "一段文字。"
    kept = {b.cell_id: b for b in editions.template(path, "zh")}
    assert kept["cell-2"].text == "一段文字。" and kept["cell-2"].fp != editions.fingerprint("Some prose, changed.")


def test_a_translation_of_a_cell_twice_is_an_error(tmp_path):
    path = tmp_path / "zh" / "x.md"
    path.parent.mkdir()
    path.write_text("<!-- cell a · en 0123abcd -->\n一\n\n<!-- cell a · en 0123abcd -->\n二\n")
    with pytest.raises(ValueError, match="cell a is translated twice"):
        editions.read(path)


def test_a_part_file_alone_is_a_translation_and_the_rest_stays_english(tmp_path):
    path = notebook(tmp_path, "# Title", "print(1)", "Some prose.")
    assert not editions.translated(path, "zh")
    editions.write(tmp_path / "zh" / "01-demo.part.md",
                   [editions.Block("cell-2", editions.fingerprint("Some prose."), "一段文字。")])
    assert editions.translated(path, "zh") and not editions.translation_path(path, "zh").exists()
    assert str(editions.check(path, "zh")) == "untranslated cells: cell-0"
    built = editions.build(path, "zh", strict=False)
    assert [c.source for c in built.cells[1:]] == ["# Title", "print(1)", "一段文字。"]

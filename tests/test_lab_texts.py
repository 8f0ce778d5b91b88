"""Each lab's text and its checks agree, in every language of its release: the points, the limits and the
rules the notebook states, and each check in the student's words (its docstring, or the catalog's
translation of it)."""

import re

import nbformat
import pytest

from grader import labs
from sigcamp import editions, i18n

WORDS = {  # how each language's first cell names the grading, its rows, a forbidden module
    "en": {"graded": re.compile(r"\*\*How it is graded\*\* \((\d+) points\)"),
           "row": re.compile(r"^\| (\d+) \| (.+?)( \(public\))? \|$", re.M),
           "forbidden": "**Do not use `{}`**"},
    "zh": {"graded": re.compile(r"\*\*评分方式\*\*（共 (\d+) 分）"),
           "row": re.compile(r"^\| (\d+) \| (.+?)(（公开）)? \|$", re.M),
           "forbidden": "**不要使用 `{}`**"},
}
# lab -> what its text says ({language: phrase}), and what its checks.py must hold for that to be true
STATED = {
    "01": [({"en": "ends within **500 ms** of Ctrl+C", "zh": "在 Ctrl+C 之后 **500 ms** 内结束"},
            lambda m: m.LIMIT_MS == 500),
           ({"en": "up to 3 times in all", "zh": "总共最多 3 次"}, lambda m: m.TRIALS == 3),
           ({"en": "at four moments", "zh": "挑选四个时刻"}, lambda m: len(m.MOMENTS) == 4)],
    "02": [({"en": "**Do not use `sigcamp.procfs`**", "zh": "**不要使用 `sigcamp.procfs`**"},
            lambda m: m.FORBIDDEN == ("sigcamp.procfs",)),
           ({"en": "`decode_mask(mask)`", "zh": "`decode_mask(mask)`"}, lambda m: "decode_mask" in m.FUNCTIONS),
           ({"en": "`blocking_threads(pid, signame)`", "zh": "`blocking_threads(pid, signame)`"},
            lambda m: "blocking_threads" in m.FUNCTIONS)],
    "03": [({"en": "ends **within a second**", "zh": "在**一秒内**结束"}, lambda m: m.LIMIT_MS == 1000),
           ({"en": "up to 3\ntimes in all", "zh": "总共最多 3 次"}, lambda m: m.TRIALS == 3),
           ({"en": "at three\nmoments", "zh": "共三个"}, lambda m: len(m.MOMENTS) == 3),
           ({"en": "`cruncher -jobs 3`", "zh": "`cruncher -jobs 3`"}, lambda m: m.JOBS == 3)],
    "04": [({"en": "`find_cgo_goroutine(pid)`", "zh": "`find_cgo_goroutine(pid)`"},
            lambda m: m.FUNCTIONS == ("find_cgo_goroutine",))],
    "05": [({"en": "**Do not use `sigcamp.latency`**", "zh": "**不要使用 `sigcamp.latency`**"},
            lambda m: m.FORBIDDEN == ("sigcamp.latency",)),
           ({"en": "`signal_latency(load, n)`", "zh": "`signal_latency(load, n)`"},
            lambda m: m.FUNCTIONS == ("signal_latency",)),
           ({"en": "exactly these columns", "zh": "恰好包含这几列"},
            lambda m: m.COLUMNS == ["case", "seq", "latency_us", "overlapped_gc"])],
}
LANGUAGES = ("en",) + editions.LANGUAGES


def first_text(nb, lang):
    """The release's first cell a student reads: the first cell, or in another language the first after
    the cell that sets the library's language."""
    if lang == "en":
        return nb.cells[0].source
    assert nb.cells[0].id == editions.FIRST_CELL_ID and nb.cells[1].cell_type == "markdown"
    assert nb.metadata.get("language") == lang, "the grader tells the release's language by its metadata"
    return nb.cells[1].source


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("name", labs.names())
def test_lab_text_and_checks_agree(name, lang):
    """The release notebook's first cell lists every check with its points and its words (its docstring, or
    that translated), marks the public ones, states the total, the rules and the limits the checks apply,
    and says how to check the notebook, at its place in the workspace."""
    lab = labs.find(name)
    assert lang in ["en"] + lab.languages(), f"{name} has no {lang} release"
    number, words = name.split("-")[0], WORDS[lang]
    nb = nbformat.read(str(lab.release_notebook(lang)), as_version=4)
    first = first_text(nb, lang)
    checks = lab.checks()
    listed = [(float(p), text, bool(public)) for p, text, public in words["row"].findall(first)]
    with i18n.speaking(lang):
        assert listed == [(c.points, c.description(), c.public) for c in checks], \
            "the grading table and checks.py differ"
    total = words["graded"].search(first)
    assert total and float(total.group(1)) == sum(c.points for c in checks)
    where = lab.release_notebook(lang).relative_to(lab.release_dir)
    assert f"`python -m grader check {int(number)} labs/{lab.name}/{where}`" in first
    module = lab.module()
    for phrases, holds in STATED[number]:
        assert phrases[lang] in first, f"the lab no longer says {phrases[lang]!r}"
        assert holds(module), f"checks.py does not do what the lab says: {phrases['en']!r}"
    for module_name in getattr(module, "FORBIDDEN", ()):
        assert words["forbidden"].format(module_name) in first


@pytest.mark.parametrize("name", labs.names())
def test_every_lab_has_a_chinese_release(name):
    assert "zh" in labs.find(name).languages() and labs.find(name).release_notebook("zh").is_file()

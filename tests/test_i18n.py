"""The reader's language: catalogs complete and compiled, words displayed in it, data left alone."""

import gettext

import pandas as pd
import pytest

from sigcamp import catalogs, display, i18n


@pytest.fixture
def zh(monkeypatch):
    """Chinese, with a small catalog of its own (the real one is tested apart)."""
    words = {"survived": "存活", "killed by {signal}": "被 {signal} 杀死", "scenario": "场景", "reader": "读取方式",
             "ended": "结束方式", "{go}: ended": "{go}:结束方式"}

    class Small(gettext.NullTranslations):
        def gettext(self, message):
            return words.get(message, message)

    monkeypatch.setattr(i18n, "catalog", lambda lang: Small())
    i18n.set_language("zh")
    yield
    i18n.set_language("en")


def test_the_language_comes_from_the_setting_then_the_environment(monkeypatch):
    monkeypatch.setattr(i18n, "_chosen", [])
    monkeypatch.setenv("SIGCAMP_LANG", "zh_CN.UTF-8")
    assert i18n.language() == "zh"
    assert i18n.set_language("en") is None and i18n.language() == "en"
    with pytest.raises(ValueError, match="speaks en, zh"):
        i18n.set_language("fr")


def test_displayed_words_are_translated_and_the_data_are_not(zh):
    i18n.pattern("killed by {signal}")
    df = pd.DataFrame({"scenario": ["a"], "ended": ["killed by SIGINT"], "other": ["survived"], "n": [1.5]})
    html = display.show(df).to_html()
    assert "场景" in html and "被 SIGINT 杀死" in html and "存活" in html
    assert list(df.columns) == ["scenario", "ended", "other", "n"] and df["ended"].iloc[0] == "killed by SIGINT"


def test_a_column_named_by_a_pattern_is_translated_whole(zh):
    i18n.pattern("killed by {signal}")
    html = display.show(pd.DataFrame({"killed by SIGTERM": [1]})).to_html()
    assert "被 SIGTERM 杀死" in html


def test_words_with_an_apostrophe_or_markup_are_translated_then_escaped(zh, monkeypatch):
    words = {"spinner's loop": "空转循环", "sysmon's thread": "sysmon 的线程"}

    class Small(gettext.NullTranslations):
        def gettext(self, message):
            return words.get(message, message)

    monkeypatch.setattr(i18n, "catalog", lambda lang: Small())
    df = pd.DataFrame({"spinner's loop": ["sysmon's thread", "<b>x</b>"]})
    html = display.show(df).to_html()
    assert "空转循环" in html and "sysmon 的线程" in html and "&lt;b&gt;x&lt;/b&gt;" in html


def test_every_message_has_a_chinese_translation():
    missing = catalogs.untranslated("zh")
    assert not missing, f"{len(missing)} messages without a Chinese translation, e.g. {missing[:5]}"


def test_the_compiled_catalog_is_up_to_date():
    assert catalogs.mo_path("zh").read_bytes() == catalogs.compiled("zh"), \
        "sigcamp/locale/zh/LC_MESSAGES/sigcamp.po changed since it was compiled: run `make setup`"


def test_the_po_file_holds_every_message_the_code_uses():
    in_code = {m.id for m in catalogs.extract() if m.id}
    in_po = {m.id for m in catalogs.read_po("zh") if m.id}
    assert in_code <= in_po, f"run `python -m sigcamp catalogs --update`: {sorted(in_code - in_po, key=str)[:5]}"


def test_the_most_specific_pattern_wins_and_captions_headers_and_truth_values_are_translated(monkeypatch):
    words = {"handler {handler}": "处理函数 {handler}", "handler {handler}, {flags}": "处理函数 {handler},标志 {flags}",
             "blocks {signal}": "阻塞 {signal}", "{count} of {total}": "{total} 个中的 {count} 个", "yes": "是",
             "no": "否", "{count} signals caught": "捕获了 {count} 个信号", "caught by Go's handler": "由 Go 的处理函数捕获",
             ("column", "stack"): "栈"}

    class Small(gettext.NullTranslations):
        def gettext(self, message):
            return words.get(message, message)

        def pgettext(self, context, message):
            return words.get((context, message), message)

    monkeypatch.setattr(i18n, "catalog", lambda lang: Small())
    monkeypatch.setattr(i18n, "_patterns", [])
    for message in ("handler {handler}", "handler {handler}, {flags}", "blocks {signal}", "{count} signals caught"):
        i18n.pattern(message)
    i18n.pattern("{count} of {total}", count=r"\d+", total=r"\d+")
    i18n.set_language("zh")
    try:
        assert i18n.value("handler 0x482d40, SA_ONSTACK") == "处理函数 0x482d40,标志 SA_ONSTACK"
        assert i18n.value("handler SIG_DFL") == "处理函数 SIG_DFL"
        assert i18n.value("one of the others") == "one of the others"  # {count} of {total} takes numbers only
        df = pd.DataFrame({"blocks SIGINT": [True, False], "tally": ["3 of 4", "4 of 4"], "seen": [True, None],
                           "typed": ["stack", "print RDI"], "stack": ["caught by Go's handler", "a <- b"]})
        html = display.show(df, caption="56 signals caught").to_html()
        assert "阻塞 SIGINT" in html and "4 个中的 3 个" in html and "捕获了 56 个信号" in html
        assert ">是<" in html and ">否<" in html and "True" not in html and "False" not in html
        assert ">栈<" in html and ">stack<" in html, "a column's name is translated apart from a word in a cell"
        assert "由 Go 的处理函数捕获" in html and "a &lt;- b" in html
        assert df["blocks SIGINT"].tolist() == [True, False] and df["tally"].iloc[0] == "3 of 4"
    finally:
        i18n.set_language("en")


def test_words_holding_html_characters_are_translated_then_escaped(monkeypatch):
    words = {"handler's own work": "处理函数自身的工作", "C & Go <b>": "C 与 Go <b>"}

    class Small(gettext.NullTranslations):
        def gettext(self, message):
            return words.get(message, message)

    monkeypatch.setattr(i18n, "catalog", lambda lang: Small())
    i18n.set_language("zh")
    try:
        html = display.show(pd.DataFrame({"handler's own work": ["C & Go <b>"], "n": [1]})).to_html()
    finally:
        i18n.set_language("en")
    assert "处理函数自身的工作" in html and "C 与 Go &lt;b&gt;" in html and "<b>" not in html


def test_headers_filled_in_and_a_shown_index_are_translated(zh):
    i18n.pattern("{go}: ended")
    df = pd.DataFrame({"reader": ["a"], "ended": ["survived"], "go1.26.8: ended": ["killed by SIGINT"]})
    html = display.show(df).to_html()
    assert "go1.26.8:结束方式" in html and "被 SIGINT 杀死" in html
    flipped = display.show(df.set_index("reader").T, index=True).to_html()
    assert "读取方式" in flipped and ">结束方式<" in flipped and "存活" in flipped
    assert list(df.columns) == ["reader", "ended", "go1.26.8: ended"]


@pytest.fixture
def words(monkeypatch):
    """Chinese with a catalog of the words given, and patterns registered only for the test."""
    catalog = {}

    class Small(gettext.NullTranslations):
        def gettext(self, message):
            return catalog.get(message, message)

    monkeypatch.setattr(i18n, "catalog", lambda lang: Small())
    monkeypatch.setattr(i18n, "_patterns", [])
    i18n.set_language("zh")
    yield catalog
    i18n.set_language("en")


def test_a_list_of_messages_is_translated_item_by_item_and_program_output_is_left_alone(words):
    words.update({"caught": "捕获", "default": "默认", ", ": "、", "; ": "；", "{count} of {total}": "{count}/{total}",
                  "its child ended": "子进程结束了"})
    i18n.pattern("{count} of {total}", count=r"\d+", total=r"\d+")
    assert i18n.value("caught, default") == "捕获、默认"
    assert i18n.value("3 of 5, 4 of 6") == "3/5、4/6"
    assert i18n.value("kill(pid 2, SIGINT); its child ended") == "kill(pid 2, SIGINT)；子进程结束了"
    for output in ("end of file", "caught, and more", "kill(pid 2, SIGINT); exit_group(130)"):
        assert i18n.value(output) == output  # a pattern's field or a list's item that is no message: as it is


def test_the_most_specific_pattern_wins(words):
    words.update({"killed by {signal}": "被 {signal} 终止", "killed by {signal} (dlv's wait4)": "被 {signal} 终止（wait4）"})
    i18n.pattern("killed by {signal}")
    i18n.pattern("killed by {signal} (dlv's wait4)", signal=r"SIG\w+")
    assert i18n.value("killed by SIGKILL (dlv's wait4)") == "被 SIGKILL 终止（wait4）"
    assert i18n.value("killed by SIGINT") == "被 SIGINT 终止"


def test_displayed_text_is_translated_before_it_is_escaped_and_flags_read_yes_or_no(words):
    words.update({"the program's own terminal": "程序自己的终端", "PID 1's signals": "PID 1 的信号", "yes": "是",
                  "no": "否"})
    df = pd.DataFrame({"PID 1's signals": ["the program's own terminal", "<b>"], "finished": [True, False]})
    html = display.show(df).to_html()
    assert "程序自己的终端" in html and "PID 1 的信号" in html and "&lt;b&gt;" in html and "<b>" not in html
    assert ">是<" in html and ">否<" in html and df["finished"].dtype == bool


# ---------------------------------------------------------------- the grader's and the labs' words

def test_every_checks_description_is_in_the_catalog():
    """What a check checks, in the student's words (its docstring's first paragraph), is extracted with the
    labs' messages, so the catalog test above covers its translation."""
    from grader import labs

    in_code = {m.id for m in catalogs.extract() if m.id}
    descriptions = {c.doc for name in labs.names() for c in labs.find(name).checks()}
    assert descriptions and descriptions <= in_code, sorted(descriptions - in_code)[:5]


def test_what_the_kernel_reports_is_said_in_the_students_language():
    """grader.harvest's report, made in English in the student's kernel, reads in Chinese where it is shown."""
    import json

    from grader import harvest, messages, reported

    ns = {"decode_mask": 3}
    collected = json.loads(eval(harvest.expression(["decode_mask", "blocking_threads"]), ns))
    assert collected["missing"] == {"decode_mask": reported.NOT_A_FUNCTION.format(kind="int"),
                                    "blocking_threads": reported.NOT_DEFINED}
    assert messages.REPORTED
    with i18n.speaking("zh"):
        assert i18n.value(collected["missing"]["decode_mask"]) == "它是一个 int，不是函数"
        assert i18n.value(collected["missing"]["blocking_threads"]) == "它没有被定义"
    assert i18n.value(collected["missing"]["blocking_threads"]) == "it is not defined"


def test_speaking_is_per_thread():
    """Two submissions graded at once on two threads each get their own language."""
    import threading

    seen = {}

    def grade_in(lang):
        with i18n.speaking(lang):
            barrier.wait()
            seen[lang] = i18n._("Feedback pages")
    barrier = threading.Barrier(2)
    threads = [threading.Thread(target=grade_in, args=(lang,)) for lang in ("en", "zh")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == {"en": "Feedback pages", "zh": "反馈页面"} and i18n.language() == "en"

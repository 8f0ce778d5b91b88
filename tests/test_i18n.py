"""The reader's language: catalogs complete and compiled, words displayed in it, data left alone."""

import gettext

import pandas as pd
import pytest

from sigcamp import catalogs, display, i18n


@pytest.fixture
def zh(monkeypatch):
    """Chinese, with a small catalog of its own (the real one is tested apart)."""
    words = {"survived": "存活", "killed by {signal}": "被 {signal} 杀死", "scenario": "场景"}

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
    assert i18n.set_language("en") == "en" and i18n.language() == "en"
    with pytest.raises(ValueError, match="speaks en, zh"):
        i18n.set_language("fr")


def test_displayed_words_are_translated_and_the_data_are_not(zh):
    i18n.pattern("killed by {signal}")
    df = pd.DataFrame({"scenario": ["a"], "ended": ["killed by SIGINT"], "other": ["survived"], "n": [1.5]})
    html = display.show(df).to_html()
    assert "场景" in html and "被 SIGINT 杀死" in html and "存活" in html
    assert list(df.columns) == ["scenario", "ended", "other", "n"] and df["ended"].iloc[0] == "killed by SIGINT"


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

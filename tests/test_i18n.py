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

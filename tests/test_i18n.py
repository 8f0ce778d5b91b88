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

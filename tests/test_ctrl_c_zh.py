"""Chapter 1 in Chinese: its tables, figures, panel and judges speak the reader's language; its data do not change."""

import re

import numpy as np
import pandas as pd
import pytest

from sigcamp import ctrl_c, display, i18n, ledger
from sigcamp.ctrl_c import scenarios as S, stall as ST, words as W

CJK = re.compile(r"[\u4e00-\u9fff]")
ENGLISH_RUN = re.compile(r"(?<![\w`/.-])[A-Za-z][a-z]+(?:[ ,;:'-]+[A-Za-z][a-z]+){3,}")


@pytest.fixture
def chinese():
    i18n.set_language("zh")
    yield
    i18n.set_language("en")


def test_a_table_of_mixed_outcomes_reads_in_chinese_and_its_data_stay_english(chinese):
    rows = [{"scenario": S.ONE_P, "sample": "notify-spin", "setting": "", "ended": e,
             "shell_status": None if e == "survived" else 130, "latency_ms": None, "latency_of": "", "timed": False}
            for e in ("exit 130", "exit 130", "survived")]
    rows.append({**rows[0], "scenario": S.SLEEP, "sample": "article-sleep-loop", "ended": "killed by SIGINT"})
    table = ctrl_c.scenario_table(pd.DataFrame(rows))
    html = display.show(table).to_html()
    assert "<th" in html and "场景" in html and "结束方式" in html and "运行设置" in html
    assert "退出码 130（3 次中 2 次）、存活（3 次中 1 次）" in html, html
    assert "Notify，GOMAXPROCS=1，main goroutine 空转" in html and "默认" in html
    assert "原文的例子：没有 Notify，time.Sleep 循环" in html, "a title with an apostrophe is translated too"
    assert table[W.ENDED].iloc[0] == "exit 130 in 2 of 3 runs, survived in 1 of 3 runs"
    assert table[W.SCENARIO].iloc[0] == S.ONE_P and list(table.columns)[0] == "scenario"


def test_every_title_header_and_phrase_of_the_chapter_is_translated(chinese):
    shown = [sc.title for sc in ctrl_c.SCENARIOS if sc.title not in (S.CONTEXT, S.IGNORE)]
    shown += [W.SCENARIO, W.SAMPLE, W.SETTING, W.RUNS, W.ENDED, W.SHELL, W.LATENCY_OF, W.LATENCY_MS, W.TRANSCRIPT,
              W.P10, W.P50, W.P90, W.MAX, W.RECEIVED, W.GONE, W.STILL_RUNNING, W.DEFAULT,
              ST.VARIANT, ST.CHANGES, ST.WAITED, ST.GAP, ST.STOP]
    shown += [v.name for v in ST.VARIANTS] + [v.changes for v in ST.VARIANTS]
    untranslated = [w for w in shown if i18n.value(w) == w]
    assert not untranslated, untranslated
    assert i18n.value(W.runs_of(3, 5)) == "5 次中 3 次"


def test_the_figures_are_labelled_in_chinese(chinese):
    rng = np.random.default_rng(1)
    runs = pd.DataFrame({"scenario": [S.ONE_P] * 20 + [S.EXIT] * 20,
                         "latency_ms": np.concatenate([rng.uniform(0, 20, 20), rng.uniform(0.1, 0.5, 20)])})
    ax = ctrl_c.plot_preemption_wait(runs).value.axes[0]
    assert CJK.search(ax.get_title()) and CJK.search(ax.get_xlabel()) and CJK.search(ax.get_ylabel())
    assert all(CJK.search(t.get_text()) for t in ax.get_legend().get_texts())
    stall = pd.DataFrame({"variant": [ST.SCENARIO.name] * 2 + [ST.VARIANTS[1].name], "latency_ms": [100.0, 120.0, 0.3],
                          "waited": [True, True, False]})
    ax = ctrl_c.plot_stall(stall).value.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == [i18n.value(ST.SCENARIO.name),
                                                            i18n.value(ST.VARIANTS[1].name)]
    assert CJK.search(ax.get_title()) and all(CJK.search(t.get_text()) for t in ax.get_legend().get_texts())
    lat = runs.assign(latency_of=W.RECEIVED)
    ax = ctrl_c.plot_latencies(lat).value.axes[0]
    assert CJK.search(ax.get_title()) and all(CJK.search(t.get_text()) for t in ax.get_yticklabels())


def test_the_panel_is_labelled_in_chinese(chinese):
    pick, button = ctrl_c.explorer().children[0].children
    assert CJK.search(button.description) and CJK.search(pick.description)
    assert [label for label, _ in pick.options][0] == i18n.value(S.SPIN) != S.SPIN


def test_the_judges_say_what_they_measured_in_chinese(chinese):
    from claim_fixtures.ch1 import FIXTURES

    for claim in ledger.claims("ch1"):
        for i, (evidence, kind) in enumerate(FIXTURES[claim.id]):
            finding = claim.judge(evidence)
            assert finding.verdict.kind == kind
            for text in (finding.measured, str(finding.verdict)):
                assert CJK.search(text), f"{claim.id} fixture {i}: {text}"
                assert not ENGLISH_RUN.search(text), f"{claim.id} fixture {i}: English left in {text!r}"

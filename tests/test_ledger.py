"""The ledger's mechanics: verdicts, records per Go release, the cross-release table, the report."""

import html
import json
import re

import pytest

from sigcamp import ledger, toolchain


def test_a_verdict_says_its_condition_or_attempt():
    assert str(ledger.holds_only_when("GOMAXPROCS=1")) == "holds only when GOMAXPROCS=1"
    assert str(ledger.not_reproduced("1000 signals")) == "not reproduced (1000 signals)"
    with pytest.raises(ValueError, match="needs its condition"):
        ledger.holds_only_when("")
    with pytest.raises(ValueError, match="use one of"):
        ledger.Verdict("true")


def judge_exit_two(calls):
    """The claim 'a Go PID 1 that is not killed by SIGINT exits 2', read in dieFromSignal's source."""
    exits = calls[calls["in_function"] == "dieFromSignal"]["text"].tolist()
    verdict = ledger.holds() if exits == ["exit(2)"] else ledger.refuted()
    return ledger.Finding(verdict, f"dieFromSignal ends with {', '.join(exits)}")


EXIT_TWO = ledger.Claim("ch4.test-exit-two", "退出码为2", "the fallback exit status is 2", "gosource.calls",
                        judge_exit_two, args={"name": "exit", "packages": ("runtime",)})


@pytest.fixture
def one_claim(monkeypatch, tmp_path):
    monkeypatch.setattr(ledger, "RECORDS", tmp_path / "ledger")
    monkeypatch.setattr(ledger, "claims", lambda chapter=None: [EXIT_TWO])
    return tmp_path


def test_chapter_is_judged_on_every_release_and_shows_where_they_differ(one_claim, monkeypatch):
    monkeypatch.delenv("SIGCAMP_GO_VERSIONS", raising=False)
    result = ledger.chapter("ch4")
    releases = [toolchain.go().version_text] + [r for r in result.releases[1:]]
    assert result.releases == releases and toolchain.SECOND_GO in releases
    table = result.verdicts
    for go in releases:
        with toolchain.using(go if go != toolchain.go().version_text else None) as g:
            expected = "holds" if g.version < (1, 27) else "refuted"
        assert table[f"verdict on {go}"].iloc[0] == expected
    differs = {v.startswith("holds") for v in table.filter(like="verdict on").iloc[0]}
    assert (len(result.differences) == 2) == (differs == {True, False})
    recorded = sorted(p.parent.name for p in (one_claim / "ledger" / "en").glob("go*/ch4.json"))
    assert recorded == sorted(releases)
    row = json.loads((one_claim / "ledger" / "en" / releases[0] / "ch4.json").read_text())[0]
    assert row["go"] == releases[0] and row["cpus"] >= 1 and row["date"]


def test_given_evidence_is_used_and_missing_evidence_is_gathered(one_claim):
    import pandas as pd

    fake = pd.DataFrame([{"in_function": "dieFromSignal", "text": "exit(2)"}])
    assert ledger.evaluate("ch4", {"gosource.calls": fake})["kind"].iloc[0] == "holds"
    fake2 = pd.DataFrame([{"in_function": "dieFromSignal", "text": "exit(128 + int32(sig))"}])
    assert ledger.evaluate("ch4", {"gosource.calls": fake2})["kind"].iloc[0] == "refuted"
    gathered = ledger.evaluate("ch4")
    assert gathered["measured"].iloc[0].startswith("dieFromSignal ends with exit(")


def test_report_has_a_verdict_column_per_release(one_claim):
    ledger.chapter("ch4", releases=[None, toolchain.SECOND_GO])
    csv, page = ledger.write_report(one_claim)
    import pandas as pd

    df = pd.read_csv(csv)
    versions = sorted({toolchain.go().version_text, toolchain.SECOND_GO})
    assert [c for c in df.columns if c.startswith("verdict ")] == [f"verdict {v}" for v in versions]
    assert list(df["id"]) == ["ch4.test-exit-two"]
    assert "退出码为2" in page.read_text()


def test_unknown_claim_lists_the_known_ones():
    with pytest.raises(KeyError, match="ch1.no-notify-ignores-ctrl-c"):
        ledger.claim("ch1.no-such-claim")


def test_the_chinese_ledger_page_speaks_chinese_and_counts_chinese_verdicts(one_claim):
    from sigcamp import i18n

    i18n.set_language("zh")
    try:
        kind = ledger.chapter("ch4", releases=[None]).by_release[toolchain.go().version_text]["kind"].iloc[0]
    finally:
        i18n.set_language("en")
    go = toolchain.go().version_text
    recorded = json.loads((one_claim / "ledger" / "zh" / go / "ch4.json").read_text())[0]
    assert recorded["verdict"] == {"holds": "成立", "refuted": "不成立"}[kind], "the Chinese edition records Chinese"
    csv, page = ledger.write_report(one_claim / "zh", lang="zh")
    text = page.read_text(encoding="utf-8")
    assert '<html lang="zh-Hans">' in text and "Noto Sans CJK SC" in text
    assert "<title>sigcamp：说法判定表</title>" in text and "<h1>原文的说法，逐条实测</h1>" in text
    other = "不成立" if kind == "holds" else "成立"
    today, cpus = recorded["date"], recorded["cpus"]
    assert f"<li>{go}: 成立 {int(kind == 'holds')} · 不成立 {int(kind == 'refuted')} · 有条件成立 0 · 未能复现 0；" \
           f"运行于 {today}，{cpus} 个 CPU</li>" in text, f"counted from each verdict's kind, not its words ({other} 0)"
    headers = re.findall(r"<th[^>]*>(.*?)</th>", text)
    assert headers[:3] == ["编号", "章", "原文"] and f"{go} 上的结论" in headers and f"在 {go} 上测到的" in headers
    assert "the fallback exit status is 2" not in text and "退出码为2" in text, "the article's words, not ours"
    import pandas as pd

    assert f"verdict {go}" in pd.read_csv(csv).columns, "the CSV keeps its stable column names"
    # the English page of the same records' English edition stays English, whatever the process speaks
    ledger.chapter("ch4", releases=[None])
    with i18n.speaking("zh"):
        _, en_page = ledger.write_report(one_claim / "en", lang="en")
    en_text = html.unescape(en_page.read_text())
    assert '<html lang="en">' in en_text and "The article's claims, each measured" in en_text
    assert f"verdict on {go}" in en_text and "the fallback exit status is 2" in en_text and "结论" not in en_text

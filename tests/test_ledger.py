"""The ledger's mechanics: verdicts, records per Go release, the cross-release table, the report."""

import json

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
    recorded = sorted(p.parent.name for p in (one_claim / "ledger").glob("go*/ch4.json"))
    assert recorded == sorted(releases)
    row = json.loads((one_claim / "ledger" / releases[0] / "ch4.json").read_text())[0]
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

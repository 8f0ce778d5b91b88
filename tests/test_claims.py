"""Every claim's judge, on small evidence fixtures: each verdict it can give comes out of the evidence."""

import importlib
import pkgutil

import pytest

from sigcamp import ledger

CLAIMS = ledger.claims()


def fixtures(claim):
    """The fixtures for a claim, from claim_fixtures/chN.py or chN_<part>.py."""
    import claim_fixtures

    found = []
    for info in pkgutil.iter_modules(claim_fixtures.__path__):
        if info.name == claim.chapter or info.name.startswith(claim.chapter + "_"):
            found += importlib.import_module(f"claim_fixtures.{info.name}").FIXTURES.get(claim.id, [])
    return found


def test_every_chapter_has_claims():
    assert {c.chapter for c in CLAIMS} == set(ledger.CHAPTERS)


def test_claim_ids_are_unique_and_name_their_chapter():
    ids = [c.id for c in CLAIMS]
    assert len(ids) == len(set(ids))
    for c in CLAIMS:
        assert c.id.startswith(c.chapter + ".") and c.zh and c.en
        assert callable(c.function()), f"{c.id}: {c.experiment} is not a sigcamp function"


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: c.id)
def test_judge_can_reach_more_than_one_verdict(claim):
    kinds = {kind for _, kind in fixtures(claim)}
    assert len(kinds) >= 2, f"{claim.id}: fixtures must show at least two different verdicts, have {kinds or 'none'}"


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: c.id)
def test_judge_follows_the_evidence(claim):
    for i, (evidence, kind) in enumerate(fixtures(claim)):
        finding = claim.judge(evidence)
        assert isinstance(finding, ledger.Finding)
        assert finding.verdict.kind == kind, f"{claim.id} fixture {i}: {finding.verdict} ({finding.measured})"
        assert finding.measured

"""The claim ledger: each claim of the article, the experiment that tests it, and a computed verdict.

A claim (sigcamp/claims/chN.py, or chN_<part>.py) has a stable id, the article's words in Chinese
and English, the experiment that tests it (a sigcamp function and its keyword
arguments) and a judge: a function from that experiment's evidence to a
`Finding` (a Verdict and what was measured). Nothing here types a verdict: it
comes out of the judge, run on evidence gathered by a real run.

`chapter()` is what a notebook shows; `evaluate()` is one release's verdicts;
records land in _build/ledger/<go version>/<chapter>.json and `write_report()`
gathers every release's into _build/claims.csv and _build/claims.html.
"""

import datetime
import html
import importlib
import json
import os
from dataclasses import dataclass, field

import pandas as pd

from . import display, toolchain

HOLDS, REFUTED, CONDITIONAL, NOT_REPRODUCED = "holds", "refuted", "holds only when", "not reproduced"
KINDS = (HOLDS, REFUTED, CONDITIONAL, NOT_REPRODUCED)
CHAPTERS = ("ch1", "ch2", "ch3", "ch4", "ch5")
RECORDS = toolchain.BUILD / "ledger"


@dataclass(frozen=True)
class Verdict:
    """holds, refuted, holds only when <condition>, or not reproduced (<what was tried>)."""

    kind: str
    detail: str = ""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"verdict kind {self.kind!r}: use one of {KINDS}")
        if self.kind in (CONDITIONAL, NOT_REPRODUCED) and not self.detail:
            raise ValueError(f"a '{self.kind}' verdict needs its {'condition' if self.kind == CONDITIONAL else 'attempt'}")

    def __str__(self):
        if self.kind == CONDITIONAL:
            return f"holds only when {self.detail}"
        if self.kind == NOT_REPRODUCED:
            return f"not reproduced ({self.detail})"
        return self.kind


def holds():
    return Verdict(HOLDS)


def refuted():
    return Verdict(REFUTED)


def holds_only_when(condition):
    """The claim holds under `condition`, which the experiment itself measured."""
    return Verdict(CONDITIONAL, condition)


def not_reproduced(tried):
    """The claim's effect did not appear; `tried` says what was run."""
    return Verdict(NOT_REPRODUCED, tried)


@dataclass(frozen=True)
class Finding:
    """A judge's answer: the verdict and, in a sentence, what the evidence showed."""

    verdict: Verdict
    measured: str


@dataclass(frozen=True)
class Claim:
    """One claim of the article and how it is tested.

    experiment: "module.function" inside sigcamp (e.g. "ctrl_c.scenario_table");
    judge: evidence -> Finding, where evidence is what experiment(**args) returned.
    """

    id: str
    zh: str
    en: str
    experiment: str
    judge: object
    args: dict = field(default_factory=dict)

    @property
    def chapter(self):
        return self.id.split(".", 1)[0]

    def function(self):
        """The experiment's function, found from its name in one step."""
        module, _, name = self.experiment.rpartition(".")
        return getattr(importlib.import_module(f"sigcamp.{module}"), name)

    def run(self):
        """Run the experiment on the toolchain in use; return its evidence."""
        return self.function()(**self.args)


def claims(chapter=None):
    """Every claim in the ledger (or one chapter's), in chapter order."""
    from . import claims as package

    found = []
    for ch in [chapter] if chapter else CHAPTERS:
        for name in _chapter_modules(package, ch):
            found.extend(importlib.import_module(f"sigcamp.claims.{name}").CLAIMS)
    return found


def _chapter_modules(package, chapter):
    """chN, then chN_<part> modules of the claims package, in name order."""
    import pkgutil

    names = sorted(m.name for m in pkgutil.iter_modules(package.__path__))
    return [n for n in names if n == chapter] + [n for n in names if n.startswith(chapter + "_")]


def claim(claim_id):
    """The claim with this id; KeyError listing the ids when there is none."""
    for c in claims(claim_id.split(".", 1)[0]):
        if c.id == claim_id:
            return c
    raise KeyError(f"no claim {claim_id!r}; known: {', '.join(c.id for c in claims())}")


def evaluate(chapter, evidence=None, *, record=True):
    """Judge a chapter's claims on the Go toolchain in use; one row per claim.

    evidence: {experiment name: what it returned} already gathered (a notebook's
    earlier cells); any experiment missing is run here, once for all its claims.
    """
    evidence = dict(evidence or {})
    go = toolchain.go().version_text
    today = datetime.date.today().isoformat()
    rows = []
    for c in claims(chapter):
        if c.experiment not in evidence:
            evidence[c.experiment] = c.run()
        finding = c.judge(evidence[c.experiment])
        rows.append({"id": c.id, "chapter": c.chapter, "claim": c.en, "article": c.zh,
                     "verdict": str(finding.verdict), "kind": finding.verdict.kind, "measured": finding.measured,
                     "experiment": c.experiment, "go": go, "date": today, "cpus": os.cpu_count()})
    df = pd.DataFrame(rows)
    if record:
        _record(chapter, go, rows)
    return df


def _record(chapter, go, rows):
    dest = RECORDS / go / f"{chapter}.json"
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(rows, ensure_ascii=False, indent=1))
    os.replace(tmp, dest)


@dataclass
class ChapterLedger:
    """A chapter's claims judged on each Go release: `verdicts` (one column per release) and `differences`."""

    by_release: dict  # go version -> evaluate() DataFrame

    @property
    def releases(self):
        return list(self.by_release)

    @property
    def verdicts(self):
        first = self.by_release[self.releases[0]]
        df = first[["id", "claim", "article"]].copy()
        for go, rows in self.by_release.items():
            df[f"verdict on {go}"] = rows["verdict"].values
        df["what we measured"] = first["measured"].values
        return df

    @property
    def differences(self):
        """One row per (claim, release) for the claims whose verdicts differ between releases."""
        rows = []
        for i, claim_id in enumerate(self.by_release[self.releases[0]]["id"]):
            outcomes = {go: df.iloc[i] for go, df in self.by_release.items()}
            if len({r["verdict"] for r in outcomes.values()}) > 1:
                rows += [{"claim": claim_id, "Go": go, "verdict": r["verdict"], "measured": r["measured"]}
                         for go, r in outcomes.items()]
        return pd.DataFrame(rows, columns=["claim", "Go", "verdict", "measured"])

    def _repr_html_(self):
        parts = [display.show(self.verdicts, wide=("what we measured", "claim")).to_html()]
        diff = self.differences
        if len(self.releases) > 1:
            if diff.empty:
                parts.append(f"<p>Same verdicts on {' and '.join(self.releases)}.</p>")
            else:
                parts.append(f"<p>Where {' and '.join(self.releases)} disagree:</p>")
                parts.append(display.show(diff, wide=("measured",)).to_html())
        return "\n".join(parts)


def chapter(name, evidence=None, *, releases=None):
    """A chapter's ledger: judged on the toolchain in use with the notebook's `evidence`, and on each
    other release the course runs on (toolchain.course_versions()) by running the experiments there."""
    by_release = {toolchain.go().version_text: evaluate(name, evidence)}
    for spec in releases if releases is not None else toolchain.course_versions():
        with toolchain.using(spec) as go:
            if go.version_text not in by_release:
                by_release[go.version_text] = evaluate(name)
    return ChapterLedger(by_release)


def report():
    """Every recorded verdict, one row per claim, one verdict and evidence column per Go release."""
    rows = []
    for path in sorted(RECORDS.glob("go*/ch*.json")):
        rows += json.loads(path.read_text())
    if not rows:
        return pd.DataFrame()
    df = pd.DataFrame(rows)
    order = {c.id: i for i, c in enumerate(claims())}
    wide = df.pivot_table(index="id", columns="go", values=["verdict", "measured", "date"], aggfunc="first")
    out = df.drop_duplicates("id").set_index("id")[["chapter", "claim", "article", "cpus"]]
    for go in sorted(df["go"].unique(), key=toolchain.parse_go_version):
        out[f"verdict {go}"] = wide[("verdict", go)]
        out[f"evidence {go}"] = wide[("measured", go)]
        out[f"date {go}"] = wide[("date", go)]
    out = out.reset_index()
    return out.sort_values("id", key=lambda s: s.map(lambda i: order.get(i, len(order)))).reset_index(drop=True)


def write_report(dest=None):
    """Write claims.csv and claims.html (the whole ledger) into dest (default _build/); return their paths."""
    dest = dest or toolchain.BUILD
    df = report()
    dest.mkdir(parents=True, exist_ok=True)
    csv, page = dest / "claims.csv", dest / "claims.html"
    df.to_csv(csv, index=False)
    counts = ""
    for col in [c for c in df.columns if c.startswith("verdict ")]:
        kinds = df[col].fillna("").str.extract(f"^({'|'.join(KINDS)})")[0].value_counts()
        counts += f"<li>{html.escape(col[8:])}: " + ", ".join(f"{k} {kinds.get(k, 0)}" for k in KINDS) + "</li>"
    body = display.show(df, wide=[c for c in df.columns if c.startswith("evidence ")]).to_html() if len(df) else \
        "<p>No claims recorded yet: run <code>make course</code>.</p>"
    page.write_text(_PAGE.format(counts=counts, table=body))
    return csv, page


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>sigcamp: the claim ledger</title>
<style>
body {{ font-family: "Noto Sans", "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei",
       sans-serif; margin: 2em; }}
table {{ border-collapse: collapse; font-size: 0.9em; }} td, th {{ border: 1px solid #ccc; padding: 4px 6px; }}
</style></head><body>
<h1>The article's claims, each measured</h1>
<p>Every verdict below was computed from a live experiment on this machine (see each chapter for the runs).</p>
<ul>{counts}</ul>
{table}
</body></html>
"""


def main(chapters=()):
    """`python -m sigcamp ledger`: judge each chapter on every course release, print the counts, write the report."""
    for name in chapters or CHAPTERS:
        if name not in CHAPTERS:
            print(f"unknown chapter {name!r}: use one of {', '.join(CHAPTERS)}")
            return 2
    for name in chapters or CHAPTERS:
        print(f"judging {name} ...", flush=True)
        result = chapter(name)
        for go, df in result.by_release.items():
            print(f"  {go}: " + ", ".join(f"{k} {int((df['kind'] == k).sum())}" for k in KINDS))
    csv, page = write_report()
    print(f"the claim ledger: {csv} and {page}")
    return 0

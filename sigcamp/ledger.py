"""The claim ledger: each claim of the article, the experiment that tests it, and a computed verdict.

A claim (sigcamp/claims/chN.py, or chN_<part>.py) has a stable id, the article's words in Chinese
and English, the experiment that tests it (a sigcamp function and its keyword
arguments) and a judge: a function from that experiment's evidence to a
`Finding` (a Verdict and what was measured). Nothing here types a verdict: it
comes out of the judge, run on evidence gathered by a real run.

`chapter()` is what a notebook shows; `evaluate()` is one release's verdicts;
records land in _build/ledger/<language>/<go version>/<chapter>.json and
`write_report()` gathers every release's into _build/claims.csv and
_build/claims.html (another language's into _build/<language>/).
"""

import datetime
import html
import importlib
import json
import os
from dataclasses import dataclass, field

import pandas as pd

from . import display, htmlexport, i18n, toolchain
from .i18n import N_, _

HOLDS, REFUTED, CONDITIONAL, NOT_REPRODUCED = N_("holds"), N_("refuted"), "holds only when", "not reproduced"
KINDS = (HOLDS, REFUTED, CONDITIONAL, NOT_REPRODUCED)
CHAPTERS = ("ch1", "ch2", "ch3", "ch4", "ch5")
RECORDS = toolchain.BUILD / "ledger"
VERDICT_ON = i18n.pattern(N_("verdict on {go}"))
MEASURED = N_("what we measured")
COLUMNS = (N_("id"), N_("claim"), N_("article"), N_("Go"), N_("verdict"), N_("measured"), N_("chapter"))


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
            return _("holds only when {condition}").format(condition=self.detail)
        if self.kind == NOT_REPRODUCED:
            return _("not reproduced ({tried})").format(tried=self.detail)
        return _(self.kind)


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
    dest = RECORDS / i18n.language() / go / f"{chapter}.json"
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
        """One row per claim: its id, the article's words (and an English rendering, for English readers),
        the verdict on each release, what was measured on the first."""
        first = self.by_release[self.releases[0]]
        df = first[["id", "claim", "article"]].copy() if i18n.language() == "en" else first[["id", "article"]].copy()
        for go, rows in self.by_release.items():
            df[VERDICT_ON.format(go=go)] = rows["verdict"].values
        df[MEASURED] = first["measured"].values
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
        parts = [display.show(self.verdicts, wide=(MEASURED, "claim", "article")).to_html()]
        diff = self.differences
        both = _(" and ").join(self.releases)
        if len(self.releases) > 1:
            if diff.empty:
                parts.append("<p>" + html.escape(_("Same verdicts on {releases}.").format(releases=both)) + "</p>")
            else:
                parts.append("<p>" + html.escape(_("Where {releases} disagree:").format(releases=both)) + "</p>")
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


def records(lang=None):
    """Every recorded verdict of the `lang` edition (a dict per claim and release), release by release."""
    for path in sorted((RECORDS / (lang or i18n.language())).glob("go*/ch*.json")):
        yield from json.loads(path.read_text())


def report(lang=None):
    """Every recorded verdict, one row per claim, one verdict and evidence column per Go release."""
    rows = list(records(lang))
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


COUNTED = {HOLDS: HOLDS, REFUTED: REFUTED, CONDITIONAL: N_("holds only when"), NOT_REPRODUCED: N_("not reproduced")}
MEASURED_ON = N_("what we measured on {go}")
RUN_ON = N_("run on {dates}, {cpus} CPUs")


def runs(lang=None):
    """{go version: (dates, CPU counts)} of the recorded verdicts of the `lang` edition, as texts ("2026-12-07",
    "2026-12-06 – 2026-12-07"; "2", "2, 4")."""
    found = {}
    for row in records(lang):
        dates, cpus = found.setdefault(row["go"], (set(), set()))
        dates.add(str(row.get("date", "")))
        cpus.add(str(row.get("cpus", "")))
    return {go: (" – ".join(sorted({min(d), max(d)})), ", ".join(sorted(c, key=lambda n: int(n or 0))))
            for go, (d, c) in found.items()}


def counts(lang=None):
    """{go version: {verdict kind: number of claims}} over every recorded verdict of the `lang` edition."""
    found = {}
    for row in records(lang):
        kinds = found.setdefault(row["go"], dict.fromkeys(KINDS, 0))
        kind = row.get("kind") or next((k for k in KINDS if str(row.get("verdict", "")).startswith(k)), None)
        if kind in kinds:
            kinds[kind] += 1
    return dict(sorted(found.items(), key=lambda item: toolchain.parse_go_version(item[0])))


def write_report(dest=None, *, lang=None):
    """Write claims.csv and claims.html (the whole ledger, as the `lang` edition recorded it) into dest
    (default _build/, or _build/<lang>/ for another language than English); return their paths.
    The page speaks `lang`; the CSV keeps the records' column names."""
    lang = lang or i18n.language()
    dest = dest or (toolchain.BUILD if lang == "en" else toolchain.BUILD / lang)
    df = report(lang)
    dest.mkdir(parents=True, exist_ok=True)
    csv, page = dest / "claims.csv", dest / "claims.html"
    df.to_csv(csv, index=False)
    e = html.escape
    with i18n.speaking(lang):
        ran = runs(lang)
        items = "".join(f"<li>{e(go)}: " + " · ".join(f"{e(_(COUNTED[k]))} {n}" for k, n in kinds.items())
                        + e(_("; ") + _(RUN_ON).format(dates=ran[go][0], cpus=ran[go][1])) + "</li>"
                        for go, kinds in counts(lang).items())
        body = display.show(_page_table(df, lang)).to_html() if len(df) else \
            "<p>" + _("No claims recorded yet: run {command}.").format(command="<code>make course</code>") + "</p>"
        text = _PAGE.format(lang="zh-Hans" if lang == "zh" else lang, title=e(_("sigcamp: the claim ledger")),
                            heading=e(_("The article's claims, each measured")),
                            intro=e(_("Every verdict below was computed from a live experiment on this machine "
                                      "(see each chapter for the runs).")), counts=items, table=body,
                            font=htmlexport.FONT_STACK)
    page.write_text(text, encoding="utf-8")
    return csv, page


def _page_table(df, lang):
    """The report as the page shows it: column names in the reader's language (and, for a Chinese reader,
    the article's own words without their English rendering); the dates and CPU counts, the same down a
    column, are said once per release above the table."""
    names = {"id": _("id"), "chapter": _("chapter"), "claim": _("claim"), "article": _("article")}
    for column in df.columns:
        for prefix, message in (("verdict ", VERDICT_ON), ("evidence ", MEASURED_ON)):
            if column.startswith(prefix):
                names[column] = _(message).format(go=column[len(prefix):])
    dropped = [c for c in df.columns if c == "cpus" or c.startswith("date ") or (c == "claim" and lang != "en")]
    return df.drop(columns=dropped).rename(columns=names)


_PAGE = """<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: {font}; margin: 2em; }}
table {{ border-collapse: collapse; font-size: 0.9em; width: 100%; }}
td, th {{ border: 1px solid #ccc; padding: 4px 6px; vertical-align: top; }}
td {{ overflow-wrap: anywhere !important; }}  /* a long evidence token must not push the table off the page */
td:nth-child(2) {{ overflow-wrap: normal !important; }}  /* the chapter: "ch1" whole */
</style></head><body>
<h1>{heading}</h1>
<p>{intro}</p>
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

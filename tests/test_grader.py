"""The grader end to end on lab 02: release, full marks for the solution, zero for the blank release.
And the release and the grading in each language: the Chinese release beside the English one, the
language of a submission read from its notebook."""

import csv
import filecmp
import json
import shutil

import nbformat
import pytest

from grader import commands, feedback, grade, labs, messages, release
from sigcamp import editions


def differences(cmp, where=""):
    """Every file that differs between two trees, or is in only one of them (filecmp.dircmp, recursively)."""
    found = [f"{where}{n}" for n in cmp.left_only + cmp.right_only + cmp.diff_files + cmp.funny_files]
    for name, sub in sorted(cmp.subdirs.items()):
        found += differences(sub, f"{where}{name}/")
    return found


def test_committed_release_equals_a_fresh_one(tmp_path):
    for name in labs.names():
        fresh = release.release(labs.find(name), tmp_path / name)
        changed = differences(filecmp.dircmp(labs.find(name).release_dir, fresh, ignore=[]))
        assert not changed, f"{name}: run `python -m grader release {name}` ({', '.join(changed)})"


@pytest.mark.parametrize("lang", ["en", *editions.LANGUAGES])
def test_release_strips_solutions(lang):
    lab = labs.find("02")
    nb = nbformat.read(str(lab.release_notebook(lang)), as_version=4)
    text = nbformat.writes(nb)
    assert "BEGIN SOLUTION" not in text and "raise NotImplementedError()" in text
    assert nb.metadata["sigcamp_lab"] == lab.name and nb.metadata.get("language", "en") == lang
    code = [(c.id, c.source) for c in nb.cells if c.cell_type == "code" and c.id != editions.FIRST_CELL_ID]
    english = nbformat.read(str(lab.release_notebook()), as_version=4)
    assert code == [(c.id, c.source) for c in english.cells if c.cell_type == "code"]  # one code, two texts


def test_a_release_waits_for_its_translation(tmp_path):
    """A translation older than the English notebook stops the release, which writes nothing."""
    lab = labs.Lab("02-masks", tmp_path / "02-masks")
    shutil.copytree(labs.find("02").dir, lab.dir, ignore=shutil.ignore_patterns("release"))
    nb = nbformat.read(str(lab.source), as_version=4)
    nb.cells[0].source += "\n\nOne more sentence."
    nbformat.write(nb, str(lab.source))
    with pytest.raises(labs.LabError, match="cells whose English changed.*: c00.*sigcamp translate zh"):
        release.release(lab)
    assert not lab.release_dir.exists()


@pytest.mark.parametrize("metadata, lang", [({"language": "zh"}, "zh"), ({"language": "zh_CN"}, "zh"), ({}, "en"),
                                            ({"language": "fr"}, "en"), ({"language": ["zh"]}, "en"),
                                            ({"language": "en"}, "en")])
def test_a_submission_speaks_its_notebooks_language(tmp_path, metadata, lang):
    path = tmp_path / "n.ipynb"
    path.write_text(json.dumps({"cells": [], "metadata": metadata, "nbformat": 4, "nbformat_minor": 5}))
    assert grade.language(path) == lang
    path.write_text("{ not json")
    assert grade.language(path) == "en"


def test_a_page_speaks_its_students_language():
    rows = [grade.Row("s", "02-masks", "decodes_the_example", 0.0, 1.0, "fail", "…")]
    zh = grade.Graded("s", "02-masks", "d", rows, language="zh")
    en = grade.Graded("s", "01-ctrl-c-shutdown", "d", rows)
    assert feedback.page_language([zh]) == "zh" and feedback.page_language([en]) == "en"
    assert feedback.page_language([zh, en]) == "zh"  # a tie: the language the student chose
    page = feedback.page("s", [zh, en])
    assert "<h1>s 的反馈</h1>" in page and "<h2>02-masks：0 / 1</h2>" in page and ">未通过</td>" in page
    assert "<h2>01-ctrl-c-shutdown: 0 / 1</h2>" in page and ">fail</td>" in page  # each lab in its own
    assert messages.status("fail") == "fail"


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    d = tmp_path_factory.mktemp("subs")
    lab = labs.find("02")
    shutil.copy(lab.source, d / "solution.ipynb")
    shutil.copy(lab.release_dir / lab.notebook_name, d / "blank.ipynb")
    (d / "garbage.ipynb").write_text("{ not json")
    out = d / "out"
    assert commands.grade_all("02", sorted(d.glob("*.ipynb")), jobs=2, out=out, progress=False) == 0
    with open(out / "gradebook.csv") as f:
        return out, list(csv.DictReader(f))


def _points(rows, student):
    mine = [r for r in rows if r["student"] == student]
    return sum(float(r["points"]) for r in mine), sum(float(r["max_points"]) for r in mine)


def test_solution_earns_full_marks(graded):
    got, total = _points(graded[1], "solution")
    assert got == total > 0


def test_blank_release_earns_zero(graded):
    got, total = _points(graded[1], "blank")
    assert got == 0 < total


def test_garbage_is_an_error_row_not_a_crash(graded):
    rows = [r for r in graded[1] if r["student"] == "garbage"]
    assert rows and all(r["status"] == "error" and "not JSON" in r["message"] for r in rows)


def test_feedback_page_per_student(graded):
    assert sorted(p.name for p in (graded[0] / "feedback").iterdir()) == ["blank.html", "garbage.html", "solution.html"]

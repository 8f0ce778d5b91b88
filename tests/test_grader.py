"""The grader end to end on lab 02: release, full marks for the solution, zero for the blank release."""

import csv
import filecmp
import shutil

import pytest

from grader import commands, labs, release


def test_committed_release_equals_a_fresh_one(tmp_path):
    for name in labs.names():
        fresh = release.release(labs.find(name), tmp_path / name)
        cmp = filecmp.dircmp(labs.find(name).release_dir, fresh)
        assert not (cmp.left_only or cmp.right_only or cmp.diff_files), f"{name}: run `python -m grader release {name}`"


def test_release_strips_solutions():
    text = (labs.find("02").release_dir / "02-masks.ipynb").read_text()
    assert "BEGIN SOLUTION" not in text and "raise NotImplementedError()" in text


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
    assert _points(graded[1], "blank")[0] == 0


def test_garbage_is_an_error_row_not_a_crash(graded):
    rows = [r for r in graded[1] if r["student"] == "garbage"]
    assert rows and all(r["status"] == "error" and "not JSON" in r["message"] for r in rows)


def test_feedback_page_per_student(graded):
    assert sorted(p.name for p in (graded[0] / "feedback").iterdir()) == ["blank.html", "garbage.html", "solution.html"]

"""The grader as an instructor and a student use it over a term: students named as the class list names
them (Chinese names included), one grades folder for every lab and every run, another course's folder
refused, and `grader check` saying what it checked, in the student's words.
"""

import csv
import json
import os
import re
import shutil
import subprocess
import sys
import unicodedata

import pytest

from grader import commands, gradebook, labs, students
from sigcamp import i18n, toolchain

LAB = labs.find("02")
CHINESE = ["张伟", "李娜", "欧阳明", "司马光"]


def release_copy():
    return (LAB.release_dir / LAB.notebook_name).read_text()


def solution_copy():
    return LAB.source.read_text()


def partial_copy():
    """The solution with SIG32/SIG33 left out: wrong on some hidden masks (6 of 9)."""
    text = solution_copy()
    assert '32: \\"SIG32\\", 33: \\"SIG33\\"' in text
    return text.replace('32: \\"SIG32\\", 33: \\"SIG33\\"', '99: \\"SIG99\\"')


def rows_of(out):
    with open(out / "gradebook.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def points(rows):
    out = {}
    for r in rows:
        out[r["student"], r["lab"]] = out.get((r["student"], r["lab"]), 0.0) + float(r["points"])
    return out


# ---------------------------------------------------------------- student ids

def test_student_ids_keep_every_name_apart():
    forms = {students.path_form(n) for n in CHINESE}
    assert len(forms) == 4 and all(f.isascii() and "%" not in f for f in forms)  # a URL means the same
    assert students.student_id("e\u0301") == students.student_id("\u00e9")  # one é, however it was typed
    for name in [*CHINESE, "Ada", "ada", "a b", ".hidden", "=41da", "%41da", "O'Brien", "Łukasz"]:
        assert students.from_path_form(students.path_form(name)) == unicodedata.normalize("NFC", name)
    assert students.path_form("Ada") != students.path_form("ada")
    assert len({students.path_form(n).casefold() for n in ["Ada", "ada", "ADA", "aDa"]}) == 4
    assert students.of_submission("subs/张伟.ipynb", LAB.notebook_name) == "张伟"
    assert students.of_submission("homes/欧阳明/02-masks.ipynb", LAB.notebook_name) == "欧阳明"
    with pytest.raises(students.StudentNameError):
        students.student_id("  ")


def test_four_chinese_students_are_four_students(tmp_path):
    """张伟 and 李娜 hand in the same (blank) notebook, 欧阳明 the solution, 司马光 a partial one: four
    students, each with their own rows, page and executed copy, the twins both graded and flagged."""
    subs = tmp_path / "subs"
    subs.mkdir()
    for name, text in zip(CHINESE, [release_copy(), release_copy(), solution_copy(), partial_copy()]):
        (subs / f"{name}.ipynb").write_text(text)
    out = tmp_path / "grades"
    assert commands.grade_all("2", sorted(subs.iterdir()), jobs=2, out=out, progress=False) == 0
    rows = rows_of(out)
    got = points(rows)
    assert got == {("张伟", LAB.name): 0, ("李娜", LAB.name): 0, ("欧阳明", LAB.name): 9, ("司马光", LAB.name): 6}
    twins = {r["student"]: r["identical_to"] for r in rows}
    assert twins == {"张伟": "李娜", "李娜": "张伟", "欧阳明": "", "司马光": ""}
    pages = sorted(p.name for p in (out / "feedback").glob("*.html"))
    assert pages == sorted(f"{students.path_form(n)}.html" for n in CHINESE)
    for name in CHINESE:
        page = (out / "feedback" / f"{students.path_form(name)}.html").read_text(encoding="utf-8")
        assert f"Feedback for {name}" in page and all(other not in page for other in CHINESE if other != name)
    index = (out / "feedback.html").read_text(encoding="utf-8")
    assert all(name in index for name in CHINESE)
    executed = sorted(p.name for p in (out / "executed" / LAB.name).glob("*.ipynb"))
    assert executed == sorted(f"{students.path_form(n)}.ipynb" for n in CHINESE)
    assert [r["student"] for r in json.loads((out / "results.json").read_text(encoding="utf-8"))] == sorted(CHINESE)


def test_two_notebooks_for_one_student_are_refused(tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "张伟.ipynb").write_text(release_copy())
    with pytest.raises(commands.SubmissionsError, match="two notebooks for 张伟"):
        commands.grade_all("02", [tmp_path / "a" / "张伟.ipynb", tmp_path / "b" / "张伟.ipynb"],
                           out=tmp_path / "grades", progress=False)
    assert not (tmp_path / "grades" / "journal.jsonl").exists()


# ---------------------------------------------------------------- one class, many runs

def test_one_grades_folder_for_every_lab_and_every_run(tmp_path):
    """Grade a class, then one late submission, then another lab, then a resubmission: the gradebook
    and each page hold everything, and the resubmission replaces that student's rows for that lab."""
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "ada.ipynb").write_text(solution_copy())
    (subs / "bob.ipynb").write_text(release_copy())
    out = tmp_path / "grades"
    assert commands.grade_all("02", [subs / "ada.ipynb", subs / "bob.ipynb"], jobs=2, out=out, progress=False) == 0
    late = tmp_path / "late"
    late.mkdir()
    (late / "cy.ipynb").write_text(partial_copy())
    assert commands.grade_all("02", [late / "cy.ipynb"], out=out, progress=False) == 0
    lab05 = labs.find("05")
    other = tmp_path / "lab05" / "ada"
    other.mkdir(parents=True)
    shutil.copy(lab05.release_dir / lab05.notebook_name, other / lab05.notebook_name)
    assert commands.grade_all("5", [other / lab05.notebook_name], out=out, progress=False) == 0
    assert points(rows_of(out)) == {("ada", LAB.name): 9, ("bob", LAB.name): 0, ("cy", LAB.name): 6,
                                    ("ada", lab05.name): 0}
    ada = (out / "feedback" / "ada.html").read_text()
    assert LAB.name in ada and lab05.name in ada
    (subs / "bob.ipynb").write_text(partial_copy())  # bob hands in again
    assert commands.grade_all("02", [subs / "bob.ipynb"], out=out, progress=False) == 0
    rows = rows_of(out)
    assert points(rows) == {("ada", LAB.name): 9, ("bob", LAB.name): 6, ("cy", LAB.name): 6, ("ada", lab05.name): 0}
    assert len([r for r in rows if r["student"] == "bob"]) == len(LAB.checks()), "bob's old rows stayed"
    assert {r["student"]: r["identical_to"] for r in rows if r["lab"] == LAB.name}["bob"] == "cy"
    assert len((out / "journal.jsonl").read_text().splitlines()) == 5, "the journal keeps every result"


def test_another_courses_folder_is_refused(tmp_path):
    sub = tmp_path / "me.ipynb"
    sub.write_text(release_copy())
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    (theirs / gradebook.MARKER).write_text(json.dumps({"course": "another-course"}))
    (theirs / "gradebook.csv").write_text("student,score\nsomeone,10\n")
    nbgrader = tmp_path / "nbgrader"
    (nbgrader / "autograded").mkdir(parents=True)
    (nbgrader / "gradebook.db").write_bytes(b"SQLite format 3\0")
    for folder in (theirs, nbgrader):
        before = sorted(p.name for p in folder.rglob("*"))
        proc = subprocess.run([sys.executable, "-m", "grader", "grade", "02", str(sub), "--out", str(folder),
                               "--no-progress"], cwd=toolchain.ROOT, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 2 and "error:" in proc.stderr and str(folder) in proc.stderr, proc.stderr
        assert "not this course's" in proc.stderr or "another course" in proc.stderr
        assert sorted(p.name for p in folder.rglob("*")) == before, "a refused folder was changed"
    assert (theirs / "gradebook.csv").read_text() == "student,score\nsomeone,10\n"


# ---------------------------------------------------------------- grader check, as a student runs it

def test_check_on_the_untouched_release_says_what_it_checked(tmp_path):
    mine = tmp_path / "my-02.ipynb"
    mine.write_text(release_copy())
    proc = subprocess.run([sys.executable, "-m", "grader", "check", "2", str(mine)], cwd=toolchain.ROOT,
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    example = next(c for c in LAB.checks() if c.public)
    assert f"fail    0/1  {example.doc}" in out  # the check in the student's words
    assert "raised NotImplementedError (cell 3, line 4)" in out  # where, as JupyterLab numbers cells
    assert "note: cell 4 raised NotImplementedError\n" in out
    assert out.rstrip().endswith("public checks: 0 of 1 point; 8 more points are graded by your instructor")
    assert "example" not in out.replace(f"{example.name}", "")  # no internal answer key
    assert "Traceback" not in out + proc.stderr


def test_check_on_the_chinese_release_speaks_chinese(tmp_path):
    """The Chinese release, checked as its first cell says: every word the grader prints is Chinese (the
    check in the catalog's words, why it failed, where, the notes and the points); cells are numbered as
    JupyterLab numbers them in that notebook (its first cell sets the library's language)."""
    mine = tmp_path / "labs" / LAB.name / "zh" / LAB.notebook_name
    mine.parent.mkdir(parents=True)
    shutil.copy(LAB.release_notebook("zh"), mine)
    proc = subprocess.run([sys.executable, "-m", "grader", "check", "2", str(mine.relative_to(tmp_path))],
                          cwd=tmp_path, capture_output=True, text=True, timeout=180,
                          env={**os.environ, "PYTHONPATH": str(toolchain.ROOT)})
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.rstrip().splitlines()
    example = next(c for c in LAB.checks() if c.public)
    with i18n.speaking("zh"):
        words = example.description()
    assert words != example.doc and re.search(r"[\u4e00-\u9fff]", words)
    assert lines[0] == f"练习 02-masks：对 labs/02-masks/zh/02-masks.ipynb 运行公开检查"
    assert f"未通过 0/1  {words}" in lines
    assert any("抛出了 NotImplementedError（第 4 个单元格，第 4 行）" in line for line in lines)
    assert "注意：第 5 个单元格抛出了 NotImplementedError" in lines
    assert lines[-1] == "公开检查：得 0 分，共 1 分；另有 8 分由你的讲师评定"
    assert all(re.search(r"[\u4e00-\u9fff]", line) for line in lines), "a line in English"
    assert "        你的函数在评分程序给出的输入上的结果：" in lines  # the evidence, under its title
    assert "Traceback" not in proc.stdout + proc.stderr


@pytest.mark.parametrize("name", ["2", "02", "02-masks", " 2"])
def test_a_lab_is_named_by_its_number_or_its_name(name):
    assert labs.find(name).name == "02-masks"

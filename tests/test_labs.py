"""The labs end to end: the solution earns full marks, the blank release zero, typical wrong answers
the partial score they deserve (check by check), and grading the same notebook twice gives the same rows.

Each lab is graded once (grade_all, two at a time) for all its notebooks. Wrong answers are made
from the instructor's notebook by replacing solution code; the cells that only show the student
a run (build, try) are dropped from them, since grading never looks at their output.
"""

import csv
import json
import shutil

import pytest

from grader import commands, labs

DEMO_CELLS = ("program = build(", "try_ctrl_c(", "run_jobs(", 'with sc.start("cgo-stuck-call") as prog, delve')

CRUNCHER_LOOP = 'os.Exit(130)\n\t}()\n\n\tfmt.Println("READY")\n\tfor job := 1; *jobs == 0 || job <= *jobs;'

WORKER_FLUSH = """\t\t\tif err := out.Flush(); err != nil { // every ACKed record reaches the file
\t\t\t\tfmt.Fprintln(os.Stderr, err)
\t\t\t}
"""
WORKER_SELECT = """\t\tselect { // wait for a record and for Ctrl+C at the same time
\t\tcase <-stop:"""
WORKER_SELECT_BETWEEN = """\t\tselect { // looks for Ctrl+C between records only
\t\tcase <-stop:"""
WORKER_RECORD = """\t\tcase n := <-records:
\t\t\tfmt.Fprintf(out, "record %d\\n", n)
\t\t\tfmt.Printf("ACK %d\\n", n)
\t\t}
"""
WORKER_RECORD_BETWEEN = """\t\tdefault:
\t\t}
\t\tn := <-records
\t\tfmt.Fprintf(out, "record %d\\n", n)
\t\tfmt.Printf("ACK %d\\n", n)
"""

FIRST_SYSCALL_GOROUTINE = """\
    with delve.attach(pid) as dbg:
        goroutines = dbg.goroutines()
        g = goroutines[goroutines["status"] == "syscall"].iloc[0]
        frames = list(dbg.stacktrace(int(g["id"]), depth=50)["function"])
        return {"goroutine": int(g["id"]), "c_function": frames[0].removeprefix("C."),
                "go_function": g["user_function"]}
"""

# lab -> {variant: (edits, {check: points})}; an edit is (old, new): `old` must occur exactly once.
WRONG = {
    "01": {
        "exits_0": ([("os.Exit(130) //", "os.Exit(0) //")],
                    {"exits_with_status_130": 0, "exits_within_500_ms": 2, "loses_no_acknowledged_record": 3}),
        "forgets_to_flush": ([(WORKER_FLUSH, "")],
                             {"exits_with_status_130": 2, "exits_within_500_ms": 2, "loses_no_acknowledged_record": 0}),
        "checks_between_records": ([(WORKER_SELECT, WORKER_SELECT_BETWEEN), (WORKER_RECORD, WORKER_RECORD_BETWEEN)],
                                   {"exits_with_status_130": 2, "exits_within_500_ms": 0,
                                    "loses_no_acknowledged_record": 3}),
    },
    "03": {
        "notify_alone": ([("\tsignal.Ignore(os.Interrupt)\n", "")],
                         {"ctrl_c_stops_it": 0, "exit_status_130": 0, "still_computes_the_jobs": 0,
                          "library_untouched": 0}),
        "stops_one_job_early": ([(CRUNCHER_LOOP, CRUNCHER_LOOP.replace("job <= *jobs", "job < *jobs"))],
                                {"ctrl_c_stops_it": 3, "exit_status_130": 1, "still_computes_the_jobs": 0,
                                 "library_untouched": 2}),
        "edits_the_library": ([("\tsigaction(SIGINT, &sa, NULL);\n", "")],
                              {"ctrl_c_stops_it": 3, "exit_status_130": 1, "still_computes_the_jobs": 2,
                               "library_untouched": 0}),
    },
    "04": {
        "first_syscall_goroutine": ([("SOLUTION", FIRST_SYSCALL_GOROUTINE)],
                                    {"answer_has_the_keys": 1, "finds_the_goroutine": 0, "names_the_c_function": 0,
                                     "names_the_go_caller": 0, "leaves_the_program_running": 1}),
        "wrapper_as_caller": ([('"go_function": frames[at + 2]', '"go_function": frames[at + 1]')],
                              {"answer_has_the_keys": 1, "finds_the_goroutine": 3, "names_the_c_function": 2,
                               "names_the_go_caller": 0, "leaves_the_program_running": 1}),
        "libc_frame_as_c_function": ([('"c_function": wrapper.split("_Cfunc_", 1)[1]',
                                       '"c_function": frames[0].removeprefix("C.")')],
                                     {"answer_has_the_keys": 1, "finds_the_goroutine": 3, "names_the_c_function": 0,
                                      "names_the_go_caller": 2, "leaves_the_program_running": 1}),
        "kills_the_program": ([("            return {", "            dbg.detach(kill=True)\n            return {")],
                              {"answer_has_the_keys": 1, "finds_the_goroutine": 3, "names_the_c_function": 2,
                               "names_the_go_caller": 2, "leaves_the_program_running": 0}),
    },
    "05": {
        "nanoseconds": ([("[(r - s) / 1e3 for", "[(r - s) for")],
                        {"has_the_columns": 1, "one_row_per_signal": 1, "latencies_are_plausible": 0,
                         "marks_gc_overlaps": 2}),
        "never_overlapped": ([("[any(start <= r and end >= s for start, end in pauses) for", "[False for")],
                             {"has_the_columns": 1, "one_row_per_signal": 1, "latencies_are_plausible": 2,
                              "marks_gc_overlaps": 0}),
        "wall_clock": ([("sent.append(prog.sent_ns)", "sent.append(time.time_ns())")],
                       {"has_the_columns": 1, "one_row_per_signal": 1, "latencies_are_plausible": 0,
                        "marks_gc_overlaps": 0}),
    },
}
AGAIN = {"01": "forgets_to_flush", "03": "stops_one_job_early", "04": "wrapper_as_caller", "05": "nanoseconds"}


def _cells(nb):
    for cell in nb["cells"]:
        if isinstance(cell["source"], list):
            cell["source"] = "".join(cell["source"])
    return nb["cells"]


def _solution_span(source):
    """Where the code between the first solution markers starts and ends (the marker lines stay)."""
    begin = source.index("\n", source.index("### BEGIN SOLUTION")) + 1
    end = source.rindex("\n", 0, source.index("### END SOLUTION")) + 1
    return begin, end


def wrong_answer(lab, edits):
    """The lab's instructor notebook with `edits` applied: (old, new) replaces `old` (found exactly once);
    ("SOLUTION", code) replaces the first marked solution region's code. Demo cells are dropped;
    for lab 03 an edit that matches the library writes an edited engine.c from a new cell."""
    nb = json.loads(lab.source.read_text())
    cells = [c for c in _cells(nb) if not c["source"].startswith(DEMO_CELLS)]
    for old, new in edits:
        if old == "SOLUTION":
            cell = next(c for c in cells if "### BEGIN SOLUTION" in c["source"] and c["cell_type"] == "code")
            begin, end = _solution_span(cell["source"])
            cell["source"] = cell["source"][:begin] + new + cell["source"][end:]
            continue
        library = lab.files / "cruncher" / "engine.c"
        if lab.name.startswith("03") and old in library.read_text():
            text = library.read_text()
            assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in engine.c"
            cells.append({"cell_type": "code", "id": "edit-lib", "metadata": {}, "outputs": [],
                          "execution_count": None,
                          "source": "%%writefile cruncher/engine.c\n" + text.replace(old, new)})
            continue
        found = [c for c in cells if old in c["source"]]
        assert len(found) == 1 and found[0]["source"].count(old) == 1, f"{lab.name}: {old!r} is not unique"
        found[0]["source"] = found[0]["source"].replace(old, new)
    nb["cells"] = cells
    return nb


@pytest.fixture(scope="module", params=sorted(WRONG))
def graded(request, tmp_path_factory):
    """(lab number, {student: {check: row}}) for one grading run over all of a lab's notebooks."""
    number = request.param
    lab = labs.find(number)
    d = tmp_path_factory.mktemp(f"lab{number}")
    shutil.copy(lab.source, d / "solution.ipynb")
    shutil.copy(lab.release_dir / lab.notebook_name, d / "blank.ipynb")
    for name, (edits, _) in WRONG[number].items():
        (d / f"{name}.ipynb").write_text(json.dumps(wrong_answer(lab, edits)))
    shutil.copy(d / f"{AGAIN[number]}.ipynb", d / f"{AGAIN[number]}_again.ipynb")
    out = d / "out"
    assert commands.grade_all(number, sorted(d.glob("*.ipynb")), jobs=2, out=out, progress=False) == 0
    with open(out / "gradebook.csv") as f:
        rows = list(csv.DictReader(f))
    by_student = {}
    for r in rows:
        by_student.setdefault(r["student"], {})[r["check"]] = r
    return number, by_student


def _explain(rows):
    return "\n".join(f"{r['check']}: {r['status']} {r['points']}/{r['max_points']} {r['message']}"
                     for r in rows.values())


def test_solution_earns_full_marks(graded):
    _, students = graded
    rows = students["solution"]
    assert all(r["status"] == "pass" for r in rows.values()), _explain(rows)


def test_blank_release_earns_zero(graded):
    _, students = graded
    rows = students["blank"]
    assert sum(float(r["points"]) for r in rows.values()) == 0, _explain(rows)


def test_wrong_answers_earn_their_partial_scores(graded):
    number, students = graded
    for name, (_, expected) in WRONG[number].items():
        rows = students[name]
        got = {check: float(r["points"]) for check, r in rows.items()}
        assert got == {k: float(v) for k, v in expected.items()}, f"{name}:\n{_explain(rows)}"
        assert all(r["status"] in ("pass", "fail") for r in rows.values()), f"{name}:\n{_explain(rows)}"


def test_grading_twice_gives_identical_rows(graded):
    number, students = graded
    first, second = students[AGAIN[number]], students[f"{AGAIN[number]}_again"]
    strip = lambda rows: {k: {f: v for f, v in r.items() if f != "student"} for k, r in rows.items()}  # noqa: E731
    assert strip(first) == strip(second)

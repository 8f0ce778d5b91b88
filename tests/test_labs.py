"""The labs end to end: the solution earns full marks, the blank release zero, typical wrong answers
the partial score they deserve (check by check), and grading the same notebook twice gives the same rows.
A Chinese notebook graded beside its English twin earns the same, in Chinese.

Each lab is graded once (grade_all, two at a time) for all its notebooks. Wrong answers are made
from the instructor's notebook by replacing solution code; the cells that only show the student
a run (build, try) are dropped from them, since grading never looks at their output.
"""

import csv
import json
import re
import shutil

import nbformat
import pytest

from grader import commands, labs
from sigcamp import editions, i18n

DEMO_CELLS = ("program = build(", "try_ctrl_c(", "run_jobs(", 'with sc.start("cgo-stuck-call") as prog',
              'with sc.start("notify-unread") as prog', 'df = pd.concat([signal_latency(')

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

NAME_TABLE = """\
NAMES = {1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 5: "SIGTRAP", 6: "SIGABRT", 7: "SIGBUS", 8: "SIGFPE",
         9: "SIGKILL", 10: "SIGUSR1", 11: "SIGSEGV", 12: "SIGUSR2", 13: "SIGPIPE", 14: "SIGALRM", 15: "SIGTERM",
         16: "SIGSTKFLT", 17: "SIGCHLD", 18: "SIGCONT", 19: "SIGSTOP", 20: "SIGTSTP", 21: "SIGTTIN", 22: "SIGTTOU",
         23: "SIGURG", 24: "SIGXCPU", 25: "SIGXFSZ", 26: "SIGVTALRM", 27: "SIGPROF", 28: "SIGWINCH", 29: "SIGIO",
         30: "SIGPWR", 31: "SIGSYS", 32: "SIG32", 33: "SIG33", 34: "SIGRTMIN"}


def signal_name(n):
    return NAMES.get(n) or f"SIGRTMIN+{n - 34}"
"""
USES_TABLE = """\
    value = int(mask, 16) if isinstance(mask, str) else int(mask)
    return {signal_name(n) for n in range(1, 65) if value >> (n - 1) & 1}
"""
MADE_UP = """\
    import random
    return pd.DataFrame({"case": load, "seq": range(n), "latency_us": [random.uniform(20, 80) for _ in range(n)],
                         "overlapped_gc": [load == "churn" and i % 7 == 0 for i in range(n)]})
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
    "02": {
        "all_threads": ([(' and signame in decode_mask(line.split()[1]):', ":")],
                        {"decodes_the_example": 1, "accepts_an_int": 1, "decodes_hidden_masks": 3,
                         "names_realtime_signals": 1, "finds_the_blocking_thread": 0}),
        "uses_procfs": ([("SOLUTION", "    return set(sc.procfs.decode_mask(mask))\n")],
                        {"decodes_the_example": 0, "accepts_an_int": 0, "decodes_hidden_masks": 0,
                         "names_realtime_signals": 0, "finds_the_blocking_thread": 0}),
        "lookup_table": ([("CELL BEFORE SOLUTION", NAME_TABLE), ("SOLUTION", USES_TABLE)],
                         {"decodes_the_example": 1, "accepts_an_int": 1, "decodes_hidden_masks": 3,
                          "names_realtime_signals": 1, "finds_the_blocking_thread": 3}),
        "hangs": ([("    tids = []\n", "    while True:\n        pass\n")],
                  {"decodes_the_example": 1, "accepts_an_int": 1, "decodes_hidden_masks": 3,
                   "names_realtime_signals": 1, "finds_the_blocking_thread": 0}),
    },
    "01": {
        "exits_0": ([("os.Exit(130) //", "os.Exit(0) //")],
                    {"exits_with_status_130": 0, "exits_within_500_ms": 2, "loses_no_acknowledged_record": 3}),
        "forgets_to_flush": ([(WORKER_FLUSH, "")],
                             {"exits_with_status_130": 2, "exits_within_500_ms": 2, "loses_no_acknowledged_record": 0}),
        "checks_between_records": ([(WORKER_SELECT, WORKER_SELECT_BETWEEN), (WORKER_RECORD, WORKER_RECORD_BETWEEN)],
                                   {"exits_with_status_130": 2, "exits_within_500_ms": 0,
                                    "loses_no_acknowledged_record": 3}),
        "exits_after_800_ms": ([("\t\t\tos.Exit(130) //", "\t\t\ttime.Sleep(800 * time.Millisecond)\n\t\t\tos.Exit(130) //")],
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
        "exits_after_1500_ms": ([('\t"os/signal"\n)', '\t"os/signal"\n\t"time"\n)'),
                                 ("\t\tos.Exit(130)\n", "\t\ttime.Sleep(1500 * time.Millisecond)\n\t\tos.Exit(130)\n")],
                                {"ctrl_c_stops_it": 0, "exit_status_130": 0, "still_computes_the_jobs": 0,
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
        "constants_without_delve": ([("SOLUTION", '    return {"goroutine": 1, "c_function": "ledger_wait_for_ack", '
                                                 '"go_function": "main.(*ledger).flush"}\n')],
                                    {"answer_has_the_keys": 1, "finds_the_goroutine": 0, "names_the_c_function": 0,
                                     "names_the_go_caller": 0, "leaves_the_program_running": 1}),
    },
    "05": {
        "nanoseconds": ([("[(r - s) / 1e3 for", "[(r - s) for")],
                        {"has_the_columns": 1, "one_row_per_signal": 1, "latencies_are_measured": 0,
                         "marks_gc_overlaps": 2}),
        "never_overlapped": ([("[any(start <= r and end >= s for start, end in pauses) for", "[False for")],
                             {"has_the_columns": 1, "one_row_per_signal": 1, "latencies_are_measured": 2,
                              "marks_gc_overlaps": 0}),
        "wall_clock": ([("sent.append(prog.sent_ns)", "sent.append(time.time_ns())")],
                       {"has_the_columns": 1, "one_row_per_signal": 1, "latencies_are_measured": 0,
                        "marks_gc_overlaps": 0}),
        "made_up": ([("SOLUTION", MADE_UP)],
                    {"has_the_columns": 1, "one_row_per_signal": 1, "latencies_are_measured": 0,
                     "marks_gc_overlaps": 0}),
        "halved": ([("[(r - s) / 1e3 for", "[(r - s) / 2e3 for")],
                   {"has_the_columns": 1, "one_row_per_signal": 1, "latencies_are_measured": 0,
                    "marks_gc_overlaps": 2}),
    },
}
# labs whose Chinese notebooks are graded beside their English twins (each as <name>_zh): the solution, and
# the blank release or wrong answers
ZH_TWINS = {"02": ("solution", "blank", "all_threads"), "05": ("solution", "nanoseconds")}
CJK = re.compile(r"[\u4e00-\u9fff]")
AGAIN = {"01": "forgets_to_flush", "02": "all_threads", "03": "stops_one_job_early", "04": "wrapper_as_caller",
         "05": "nanoseconds"}
TIMEOUTS = {("02", "hangs"): "finds_the_blocking_thread"}  # checks whose row is a timeout, not a fail


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


def instructor_notebook(lab, lang="en"):
    """The lab's instructor notebook (with its solutions) as JSON data, in `lang`."""
    if lang == "en":
        return json.loads(lab.source.read_text())
    return json.loads(nbformat.writes(editions.build(lab.source, lang)))


def wrong_answer(lab, edits, lang="en"):
    """The lab's instructor notebook (in `lang`) with `edits` applied: (old, new) replaces `old` (found
    exactly once); ("SOLUTION", code) replaces the first marked solution region's code; ("CELL BEFORE
    SOLUTION", code) adds a code cell before the first solution cell. Demo cells are dropped;
    for lab 03 an edit that matches the library writes an edited engine.c from a new cell."""
    nb = instructor_notebook(lab, lang)
    cells = [c for c in _cells(nb) if not c["source"].startswith(DEMO_CELLS)]
    for old, new in edits:
        if old == "CELL BEFORE SOLUTION":
            at = next(i for i, c in enumerate(cells) if "### BEGIN SOLUTION" in c["source"])
            cells.insert(at, {"cell_type": "code", "id": "helper", "metadata": {}, "outputs": [],
                              "execution_count": None, "source": new})
            continue
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


graded_out = {}  # lab -> its grades folder, once graded


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
    for name in ZH_TWINS.get(number, ()):
        if name == "solution":
            (d / "solution_zh.ipynb").write_text(json.dumps(instructor_notebook(lab, "zh")))
        elif name == "blank":
            shutil.copy(lab.release_notebook("zh"), d / "blank_zh.ipynb")
        else:
            (d / f"{name}_zh.ipynb").write_text(json.dumps(wrong_answer(lab, WRONG[number][name][0], "zh")))
    out = d / "out"
    assert commands.grade_all(number, sorted(d.glob("*.ipynb")), jobs=2, out=out, progress=False) == 0
    graded_out[number] = out
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
        for check, r in rows.items():
            want = ("timeout",) if TIMEOUTS.get((number, name)) == check else ("pass", "fail")
            assert r["status"] in want and len(r["message"]) < 400, f"{name}:\n{_explain(rows)}"


def test_grading_twice_gives_identical_rows(graded):
    """Two students handing in the same notebook get the same rows, word for word, each flagged as the
    other's twin; numbers that vary from run to run stay out of the messages."""
    number, students = graded
    name = AGAIN[number]
    first, second = students[name], students[f"{name}_again"]
    strip = lambda rows: {k: {f: v for f, v in r.items() if f not in ("student", "identical_to")}  # noqa: E731
                          for k, r in rows.items()}
    assert strip(first) == strip(second)
    assert {r["identical_to"] for r in first.values()} == {f"{name}_again"}
    assert {r["identical_to"] for r in second.values()} == {name}
    assert all(r["identical_to"] == "" for s, rows in students.items() if not s.startswith(name)
               for r in rows.values())


def test_feedback_never_shows_the_truth(graded):
    """Lab 04's feedback shows a wrong answer, never the stack the grader read with delve (which would
    hand out the C and Go names for the next try)."""
    number, _ = graded
    if number != "04":
        return
    out, wrong = graded_out[number], "first_syscall_goroutine"
    mine = [(out / "feedback" / f"{wrong}.html").read_text(),
            json.dumps([r for r in json.loads((out / "results.json").read_text()) if r["student"] == wrong]),
            "\n".join(line for line in (out / "gradebook.csv").read_text().splitlines() if line.startswith(wrong))]
    for word in ("ledger_wait_for_ack", "(*ledger).flush", "runtime.cgocall", "_Cfunc_"):
        assert not any(word in text for text in mine), word


def test_a_chinese_notebook_earns_what_its_english_twin_earns_in_chinese(graded):
    """Graded in the same run, a Chinese notebook (the solution, the blank release, a wrong answer) earns
    its English twin's points and statuses check by check, under the same check ids; its messages are
    Chinese (a passed check says what it checked in the catalog's words), its twin's English."""
    number, students = graded
    if number not in ZH_TWINS:
        return
    lab = labs.find(number)
    with i18n.speaking("zh"):
        words = {c.name: c.description() for c in lab.checks()}
    for en in ZH_TWINS[number]:
        english, chinese = students[en], students[f"{en}_zh"]
        assert {k: (r["points"], r["status"]) for k, r in chinese.items()} == \
            {k: (r["points"], r["status"]) for k, r in english.items()}, f"{en}:\n{_explain(chinese)}"
        for check, r in chinese.items():
            assert CJK.search(r["message"]) and not CJK.search(english[check]["message"]), _explain(chinese)
            assert r["status"] != "pass" or r["message"] == words[check]


def test_a_chinese_notebooks_feedback_is_chinese(graded):
    """The feedback page of a student who handed in a Chinese notebook speaks Chinese (headings, statuses,
    messages, the evidence's titles); the English twin's has no Chinese in it."""
    number, _ = graded
    if number not in ZH_TWINS:
        return
    feedback = graded_out[number] / "feedback"
    wrong = ZH_TWINS[number][-1]
    page = (feedback / f"{wrong}_zh.html").read_text()
    assert "<html lang=zh>" in page and f"<h1>{wrong}_zh 的反馈</h1>" in page
    assert "<th>状态</th>" in page and ">未通过</td>" in page and ">通过</td>" in page
    evidence = re.findall(r"<h3>\w+：(.*?)</h3>", page)
    assert evidence and all(CJK.search(title) for title in evidence), evidence
    assert not CJK.search((feedback / f"{wrong}.html").read_text())

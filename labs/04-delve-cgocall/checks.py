"""Checks for lab 04-delve-cgocall: find the goroutine stuck in a cgo call, its C function and its Go caller.

The grader starts cgo-stuck-call in the sandbox, takes the truth with delve itself, then runs
the student's find_cgo_goroutine(pid) (harvested as source) on that same running program.
"""

from grader.checks import check

SAMPLES = ("cgo-stuck-call",)
CELL_TIMEOUT = 120
TIMEOUT = 300

KEYS = {"goroutine": int, "c_function": str, "go_function": str}
HARVEST = {
    "answer": "answer",
    "source": "__import__('inspect').getsource(find_cgo_goroutine)",
}


def _probe(sub):
    """The fresh run: truth and the student's answer on it (one probe per submission)."""
    cache = vars(sub)
    if "_probe" not in cache:
        try:
            source = sub.answer("source")
            assert isinstance(source, str), "no source for find_cgo_goroutine"
            cache["_probe"] = sub.sandbox("student_find_cgo_goroutine", source=source, sample="cgo-stuck-call",
                                          wall=240)
        except Exception as e:  # kept, so every check reports it without running the probe again
            cache["_probe"] = e
        else:
            got = cache["_probe"]
            truth = got["truth"] or {}
            sub.note("find_cgo_goroutine on the grader's run",
                     f"yours: {got['answer']}\nthe program still ran afterwards: {got['alive_after']}\n"
                     f"errors: {got['stderr'] or 'none'}\n\nthe stuck goroutine's frames, innermost first:\n"
                     + "\n".join(truth.get("frames", [])))
    result = cache["_probe"]
    if isinstance(result, Exception):
        raise result
    if not result["truth"]:
        raise RuntimeError("the grader's own run of cgo-stuck-call had no goroutine in a cgo call")
    return result


def _answer(result):
    answer = result["answer"]
    assert isinstance(answer, dict), "find_cgo_goroutine(pid) did not return a dict on the grader's run " \
                                     "(its errors are in the evidence)"
    return answer


@check(points=1, public=True)
def answer_has_the_keys(sub):
    """`answer` is a dict: goroutine (int), c_function (str), go_function (str)."""
    answer = sub.answer("answer")
    assert isinstance(answer, dict), f"`answer` should be a dict, not {type(answer).__name__}"
    for key, kind in KEYS.items():
        assert key in answer, f"`answer` has no key {key!r}"
        assert isinstance(answer[key], kind) and not isinstance(answer[key], bool), \
            f"answer[{key!r}] should be {'an int' if kind is int else 'a str'}"


@check(points=3)
def finds_the_goroutine(sub):
    """On a fresh run, find_cgo_goroutine(pid) names the goroutine stuck in the cgo call."""
    result = _probe(sub)
    answer = _answer(result)
    assert answer.get("goroutine") == result["truth"]["goroutine"], \
        "find_cgo_goroutine named another goroutine than the one stuck in the cgo call"


@check(points=2)
def names_the_c_function(sub):
    """It names the C function the goroutine called."""
    result = _probe(sub)
    got = str(_answer(result).get("c_function", "")).removeprefix("C.")
    assert got == result["truth"]["c_function"], \
        f"c_function {got!r} is not the C function the program called (the one in its C file, not libc's)"


@check(points=2)
def names_the_go_caller(sub):
    """It names the Go function that made the cgo call (not cgo's _Cfunc_ wrapper)."""
    result = _probe(sub)
    got = str(_answer(result).get("go_function", ""))
    assert "_Cfunc_" not in got, f"go_function {got!r} is the wrapper cgo generated; name the function that called it"
    assert got == result["truth"]["go_function"], f"go_function {got!r} is not the Go function that made the call"


@check(points=1)
def leaves_the_program_running(sub):
    """find_cgo_goroutine detaches and leaves the program running."""
    result = _probe(sub)
    _answer(result)
    assert result["alive_after"], "after find_cgo_goroutine the program was killed or left stopped"

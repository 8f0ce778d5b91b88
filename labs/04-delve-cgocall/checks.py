"""Checks for lab 04-delve-cgocall: find the goroutine stuck in a cgo call, its C function and its Go caller.

The grader starts cgo-stuck-call in a sandbox, takes the truth with delve itself, then runs the
notebook's find_cgo_goroutine(pid) (with what it uses) in a fresh Python on that same running
program, watching whether a debugger attaches while it runs: the lab asks for a function that
finds the goroutine with delve. The feedback shows the student's answer, never the truth.
"""

from grader.checks import check, phrases
from sigcamp import i18n
from sigcamp.i18n import N_

SAMPLES = ("cgo-stuck-call",)
FUNCTIONS = ("find_cgo_goroutine",)
CELL_TIMEOUT = 120
TIMEOUT = 300
CALL_TIMEOUT = 90

KEYS = {"goroutine": int, "c_function": str, "go_function": str}

MESSAGES = {
    "not_dict": N_("find_cgo_goroutine(pid) should return a dict, not {kind}"),
    "no_key": N_("the dict find_cgo_goroutine(pid) returned has no key {key!r}"),
    "not_int": N_("the dict's {key!r} should be an int"),
    "not_str": N_("the dict's {key!r} should be a str"),
    "no_delve": N_("find_cgo_goroutine(pid) did not attach a debugger to the program: the lab asks you to find the "
                   "goroutine with delve (delve.attach(pid)), not to write down what you saw"),
    "goroutine": N_("find_cgo_goroutine named another goroutine than the one stuck in the cgo call"),
    "c_function": N_("c_function {got!r} is not the C function the program called (the one in its C file, not "
                     "libc's)"),
    "wrapper": N_("go_function {got!r} is the wrapper cgo generated; name the function that called it"),
    "go_function": N_("go_function {got!r} is not the Go function that made the call"),
    "stopped": N_("after find_cgo_goroutine the program was killed or left stopped"),
    "no_truth": N_("the grader's own run of cgo-stuck-call had no goroutine in a cgo call"),
    "evidence_title": N_("find_cgo_goroutine on the grader's run"),
    # the lines of the evidence
    "yours": N_("yours: {answer}"),
    "no_answer": N_("no answer in time"),
    "raised": N_("raised {error}"),
    "traced_yes": N_("a debugger attached while it ran: yes"),
    "traced_no": N_("a debugger attached while it ran: no"),
    "alive_yes": N_("the program still ran afterwards: yes"),
    "alive_no": N_("the program still ran afterwards: no"),
    "printed": N_("what your code printed ({stream}):\n{text}"),
}
say = phrases(MESSAGES)


def _probe(sub):
    """The fresh run: the student's answer on it, and (for the graded checks) the truth."""
    def run():
        source = sub.source(*FUNCTIONS)
        result = sub.sandbox("cgo_delve.find_goroutine", source=source, sample="cgo-stuck-call",
                             truth=not sub.public_only, timeout=CALL_TIMEOUT, wall=240)
        _note(sub, result)
        return result
    return sub.once("probe", run)


def _note(sub, result):
    call = result["call"]
    lines = []
    if call["loaded"]:
        item = call["results"][0]
        lines.append(say("yours", answer=repr(item["value"]) if "value" in item else say("no_answer")
                         if item.get("timeout") else i18n.value(item["unreadable"]) if "unreadable" in item
                         else say("raised", error=sub.error_text(item.get("error") or {}))))
    lines.append(say("traced_yes" if result["traced"] else "traced_no"))
    lines.append(say("alive_yes" if result["alive_after"] else "alive_no"))
    for name in ("stdout", "stderr"):
        if call.get(name, "").strip():
            lines.append("\n" + say("printed", stream=name, text=call[name].strip()))
    sub.note(say("evidence_title"), "\n".join(lines))


def _answer(sub):
    """The dict find_cgo_goroutine returned on the grader's run, after the checks of its shape."""
    result = _probe(sub)
    item = sub.answer(result["call"], 0, "find_cgo_goroutine(pid)", seconds=CALL_TIMEOUT)
    answer = item["value"]
    assert item.get("type") == "dict" and isinstance(answer, dict), say("not_dict", kind=item.get("type"))
    for key, kind in KEYS.items():
        assert key in answer, say("no_key", key=key)
        assert isinstance(answer[key], kind) and not isinstance(answer[key], bool), \
            say("not_int" if kind is int else "not_str", key=key)
    return answer, result


def _found_with_delve(sub):
    """The answer and the truth, for a function that really looked (a debugger attached)."""
    answer, result = _answer(sub)
    assert result["traced"], say("no_delve")
    if not result["truth"]:
        raise RuntimeError(say("no_truth"))
    return answer, result["truth"]


@check(points=1, public=True)
def answer_has_the_keys(sub):
    """find_cgo_goroutine(pid) returns a dict: goroutine (int), c_function (str), go_function (str)."""
    _answer(sub)


@check(points=3)
def finds_the_goroutine(sub):
    """On a fresh run, find_cgo_goroutine(pid) names, with delve, the goroutine stuck in the cgo call."""
    answer, truth = _found_with_delve(sub)
    assert answer["goroutine"] == truth["goroutine"], say("goroutine")


@check(points=2)
def names_the_c_function(sub):
    """It names the C function the goroutine called."""
    answer, truth = _found_with_delve(sub)
    got = answer["c_function"].removeprefix("C.")
    assert got == truth["c_function"], say("c_function", got=got)


@check(points=2)
def names_the_go_caller(sub):
    """It names the Go function that made the cgo call (not cgo's _Cfunc_ wrapper)."""
    answer, truth = _found_with_delve(sub)
    got = answer["go_function"]
    assert "_Cfunc_" not in got, say("wrapper", got=got)
    assert got == truth["go_function"], say("go_function", got=got)


@check(points=1)
def leaves_the_program_running(sub):
    """find_cgo_goroutine detaches and leaves the program running."""
    _, result = _answer(sub)
    assert result["alive_after"], say("stopped")

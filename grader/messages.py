"""Every text the grader itself shows a student or an instructor, in one place.

Each lab keeps its own in its checks.py (MESSAGES); these are the grader's: why a
file cannot be graded, what happened to a notebook run, what `grader check` prints,
the words of the feedback pages. Keys are stable; say(key, **values) fills one in,
in the language spoken where it is called: while a submission is graded, the
submission's (language_of), so a Chinese notebook gets Chinese messages.
"""

from sigcamp import i18n
from sigcamp.i18n import N_, _

from . import reported

TEXT = {
    # why a file cannot be graded at all
    "too_big": N_("the notebook is {mib} MiB, over the {limit} MiB limit"),
    "empty": N_("the file is empty, so not a notebook"),
    "not_json": N_("the file is not JSON, so not a notebook ({why})"),
    "too_deep": N_("the file is JSON nested too deeply to be a notebook"),
    "no_cells": N_("the file is JSON but not a notebook (no list of cells)"),
    "other_lab": N_("this notebook belongs to lab {other!r}, not {lab!r}"),
    # the notebook run
    "wall": N_("the notebook did not finish within {seconds:g} s (the sandbox was stopped)"),
    "disk": N_("the notebook run was stopped: {why}"),
    "out_of_memory": N_("it ran out of memory (the sandbox has {mib} MiB)"),
    "no_result": N_("the notebook run ended without a result ({why})"),
    "forged": N_("the result file was not written by the grader's runner (forged or changed)"),
    "oom_note": N_("the sandbox ran out of memory ({mib} MiB): {kills} process(es) were killed"),
    "pids_note": N_("the sandbox refused new processes or threads {refused} time(s) (its limit is {limit})"),
    "flood_note": N_("the run wrote {mib} MiB straight to its terminal; only the end was kept"),
    "cell_timeout": N_("cell {cell} did not finish within {seconds:g} s and was interrupted"),
    "cell_error": N_("cell {cell} raised {error}"),
    "not_carried": N_("your code uses {what}; define it inside the function, or make it plain data"),
    "kernel_oom": N_("{why} (out of memory)"),
    # what the checks need from the notebook
    "no_code": N_("the grader could not take your code from the notebook: {why}"),
    "not_collected": N_("it was not collected"),
    "not_reported": N_("the code was not reported"),
    "garbled": N_("it came back garbled"),
    "no_function": N_("the notebook has no function {name}: {why}"),
    "forbidden": N_("the lab asks you not to use {module}, and your code does: `{text}` ({where})"),
    "no_file": N_("the submission has no file {path}"),
    "not_loaded": N_("your code could not be loaded in a fresh Python: {error}"),
    "raised": N_("{call} raised {error}"),
    "call_timeout": N_("{call} did not return within {seconds} s"),
    "grader_fault": N_("the grader could not run this check (a fault of the grader's; your instructor has the "
                       "details)"),
    "probe_timeout": N_("your code did not finish in time, so the grader's experiment was stopped"),
    "probe_killed": N_("the grader's experiment was killed from inside its sandbox, where only your code runs "
                       "beside it"),
    # where in the notebook (JupyterLab's numbering)
    "at_line": N_("cell {cell}, line {line}"),
    "at_cell": N_("cell {cell}"),
    "at_piece": N_("in {name}"),
    "an_error": N_("an error"),
    "error_at": N_("{error} ({where})"),
    # grader check
    "check_header": N_("lab {lab}: the public checks on {notebook}"),
    "check_unsandboxed": N_("(run without the sandbox: it needs root and bubblewrap; that is fine for your own "
                            "work)"),
    "check_note": N_("note: {note}"),
    "check_evidence": N_("{title}:"),
    "check_rest": N_("{summary}; {rest}"),
    # feedback pages
    "page_title": N_("Feedback: {student}"),
    "page_heading": N_("Feedback for {student}"),
    "page_lab": N_("{lab}: {got:g} / {total:g}"),
    "column_check": N_("Check"),
    "column_points": N_("Points"),
    "column_status": N_("Status"),
    "column_message": N_("Message"),
    "evidence_heading": N_("{check}: {title}"),
    "index_title": N_("Feedback pages"),
    "column_student": N_("Student"),
    "column_labs": N_("Labs"),
}

# A row's status as the student reads it (the gradebook keeps the English word).
STATUS = {"pass": N_("pass"), "fail": N_("fail"), "error": N_("error"), "timeout": N_("timeout")}


# What the sandboxed parts report (grader.reported) is said in the submission's language where it is shown.
REPORTED = [i18n.pattern(text) for text in reported.TEXTS.values()]


def say(key, **values):
    """The text `key`, with `values` filled in, in the language spoken here."""
    return _(TEXT[key]).format(**values)


def status(word):
    """A row's status (pass, fail, error, timeout) in the language spoken here."""
    return _(STATUS[word]) if word in STATUS else word


def public_points(got, public):
    """'public checks: 3 of 4 points', in the language spoken here."""
    return i18n.ngettext("public checks: {got:g} of {public:g} point", "public checks: {got:g} of {public:g} points",
                         _plural(public)).format(got=got, public=public)


def instructor_points(rest):
    """'5 more points are graded by your instructor', in the language spoken here."""
    return i18n.ngettext("{rest:g} more point is graded by your instructor",
                         "{rest:g} more points are graded by your instructor", _plural(rest)).format(rest=rest)


def _plural(points):
    """The count ngettext chooses a form by: 1 for exactly one point, else a count that is plural in English."""
    return 1 if points == 1 else 2


def language_of(notebook):
    """The language a notebook (as read from JSON) speaks to its student: its metadata's "language" when
    sigcamp speaks it (a Chinese edition says "zh"), else English (a notebook without one included)."""
    meta = notebook.get("metadata") if isinstance(notebook, dict) else None
    lang = meta.get("language") if isinstance(meta, dict) else None
    return i18n.known(lang) or "en"

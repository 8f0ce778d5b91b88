"""Every text the grader itself shows a student or an instructor, in one place.

Each lab keeps its own in its checks.py (MESSAGES); these are the grader's: why a
file cannot be graded, what happened to a notebook run, what `grader check` prints.
Keys are stable; say(key, **values) fills one in.
"""

TEXT = {
    # why a file cannot be graded at all
    "too_big": "the notebook is {mib} MiB, over the {limit} MiB limit",
    "empty": "the file is empty, so not a notebook",
    "not_json": "the file is not JSON, so not a notebook ({why})",
    "too_deep": "the file is JSON nested too deeply to be a notebook",
    "no_cells": "the file is JSON but not a notebook (no list of cells)",
    "other_lab": "this notebook belongs to lab {other!r}, not {lab!r}",
    # the notebook run
    "wall": "the notebook did not finish within {seconds:g} s (the sandbox was stopped)",
    "disk": "the notebook run was stopped: {why}",
    "out_of_memory": "it ran out of memory (the sandbox has {mib} MiB)",
    "no_result": "the notebook run ended without a result ({why})",
    "forged": "the result file was not written by the grader's runner (forged or changed)",
    "oom_note": "the sandbox ran out of memory ({mib} MiB): {kills} process(es) were killed",
    "pids_note": "the sandbox refused new processes or threads {refused} time(s) (its limit is {limit})",
    "flood_note": "the run wrote {mib} MiB straight to its terminal; only the end was kept",
    "cell_timeout": "cell {cell} did not finish within {seconds:g} s and was interrupted",
    "cell_error": "cell {cell} raised {error}",
    "not_carried": "your code uses {what}; define it inside the function, or make it plain data",
    # what the checks need from the notebook
    "no_code": "the grader could not take your code from the notebook: {why}",
    "not_collected": "it was not collected",
    "no_function": "the notebook has no function {name}: {why}",
    "forbidden": "the lab asks you not to use {module}, and your code does: `{text}` ({where})",
    "no_file": "the submission has no file {path}",
    "not_loaded": "your code could not be loaded in a fresh Python: {error}",
    "raised": "{call} raised {error}",
    "call_timeout": "{call} did not return within {seconds} s",
    "grader_fault": "the grader could not run this check (a fault of the grader's; your instructor has the details)",
    "probe_timeout": "your code did not finish in time, so the grader's experiment was stopped",
    "probe_killed": "the grader's experiment was killed from inside its sandbox, where only your code runs beside it",
    # grader check
    "check_header": "lab {lab}: the public checks on {notebook}",
    "check_unsandboxed": "(run without the sandbox: it needs root and bubblewrap; that is fine for your own work)",
    "check_summary": "public checks: {got:g} of {public:g} {points}; {rest:g} more {rest_points} {are} "
                     "graded by your instructor",
    "check_all_public": "public checks: {got:g} of {public:g} {points}",
}


def say(key, **values):
    """The text `key`, with `values` filled in."""
    return TEXT[key].format(**values)


def points(n):
    """'1 point' or '3 points'."""
    return "point" if n == 1 else "points"

"""Keeping a lab's hidden material out of what students see.

A lab's hidden inputs go only to the checks' sandboxes, and what the student's
code does with them there is never shown; no check's message names them. This
is the net under that: every text that goes into the gradebook or the feedback
is filtered, and the string constants of checks.py (data, not the checks' own
messages or docstrings) and the lines of the instructor's solutions become
[hidden] unless the student release shows them anyway.
"""

import ast
import functools
import json
import re
from pathlib import Path

from . import pyast

HIDDEN = "[hidden]"
MIN_CONSTANT = 8   # characters; shorter constants (signal names, small words) are not worth hiding
NAMING_CALLS = ("answer", "file", "sandbox")  # their first argument names a thing; it is not data
NAMING_ASSIGNS = ("FUNCTIONS", "FORBIDDEN", "SAMPLES", "SEALED")  # names of functions, modules, samples
SHOWN_ASSIGNS = ("MESSAGES",)                  # a lab's messages to students
MIN_LINE = 16      # characters of a solution line


def _public_text(lab):
    parts = []
    for p in sorted(lab.release_dir.rglob("*")) if lab.release_dir.is_dir() else []:
        if p.is_file():
            try:
                parts.append(p.read_text())
            except (OSError, UnicodeDecodeError):
                pass
    text = "\n".join(parts)
    # the release notebook is JSON: also search its cells' decoded text
    for p in lab.release_dir.glob("*.ipynb") if lab.release_dir.is_dir() else []:
        try:
            nb = json.loads(p.read_text())
            text += "\n".join("".join(c.get("source", "")) for c in nb.get("cells", []))
        except (OSError, ValueError, AttributeError):
            pass
    return text


def _message_nodes(tree):
    """Nodes whose strings are shown on purpose: assert messages, raise arguments, docstrings, f-strings."""
    shown = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assert) and node.msg is not None:
            shown.update(map(id, ast.walk(node.msg)))
        elif isinstance(node, ast.Raise) and node.exc is not None:
            shown.update(map(id, ast.walk(node.exc)))
        elif isinstance(node, ast.JoinedStr):
            shown.update(map(id, ast.walk(node)))
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "note":
            shown.update(map(id, ast.walk(node)))
        elif isinstance(node, ast.Assign) and any(getattr(t, "id", None) in SHOWN_ASSIGNS for t in node.targets):
            shown.update(map(id, ast.walk(node.value)))
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                shown.add(id(first.value))
    return shown


def _naming_nodes(tree):
    """Constants that name things: answer names, sample names, files and probes asked for."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) in NAMING_CALLS and node.args:
            names.add(id(node.args[0]))
        elif isinstance(node, ast.Assign) and any(getattr(t, "id", None) in NAMING_ASSIGNS for t in node.targets):
            if isinstance(node.value, ast.Dict):
                names.update(id(k) for k in node.value.keys if k is not None)
            elif isinstance(node.value, (ast.Tuple, ast.List, ast.Set)):
                names.update(id(e) for e in node.value.elts)
    return names


def check_constants(source):
    """String constants of a checks.py that are data (not messages, docstrings, f-string parts or names)."""
    tree = pyast.parse(source)
    messages = _message_nodes(tree)
    skip = messages | _naming_nodes(tree)
    shown = " ".join(n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
                     and id(n) in messages)
    return {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
            and id(n) not in skip and n.value not in shown}


def solution_lines(notebook_text):
    """The lines between BEGIN/END SOLUTION markers of an instructor notebook."""
    from .release import BEGIN, END
    lines = []
    try:
        cells = json.loads(notebook_text).get("cells", [])
    except (ValueError, AttributeError):
        return lines
    for cell in cells:
        inside = False
        for line in "".join(cell.get("source", "")).splitlines():
            if line.strip() == BEGIN:
                inside = True
            elif line.strip() == END:
                inside = False
            elif inside:
                lines.append(line.strip())
    return lines


@functools.lru_cache(maxsize=16)
def _secrets(lab_dir, stamp):
    from .labs import Lab
    lab = Lab(Path(lab_dir).name, Path(lab_dir))
    public = _public_text(lab)
    found = set()
    checks = lab.dir / "checks.py"
    if checks.is_file():
        found |= {c for c in check_constants(checks.read_text()) if len(c.strip()) >= MIN_CONSTANT}
    if lab.source.is_file():
        found |= {line for line in solution_lines(lab.source.read_text()) if len(line) >= MIN_LINE}
    found = {s for s in found if s not in public and s.strip() not in public}
    if not found:
        return None
    return re.compile("|".join(re.escape(s) for s in sorted(found, key=len, reverse=True)))


def _stamp(lab):
    parts = [lab.dir / "checks.py", lab.source, *(lab.release_dir.rglob("*") if lab.release_dir.is_dir() else [])]
    return tuple((str(p), p.stat().st_mtime_ns) for p in parts if p.is_file())


def redactor(lab):
    """A function text -> text with the lab's hidden material replaced by [hidden]."""
    pattern = _secrets(str(lab.dir), _stamp(lab))
    if pattern is None:
        return lambda text: text
    return lambda text: pattern.sub(HIDDEN, text) if isinstance(text, str) else text

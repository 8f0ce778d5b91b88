"""Collecting a submission's code from its kernel, after its cells have run.

The runner sends one silent execute request whose `user_expressions` gather the
functions a lab names (FUNCTIONS in its checks.py) into one module text: their
source, the notebook functions and classes they use, the modules they use as
imports, and the plain data they read (lookup tables and the like) as literals.
Nothing is evaluated for a grade here: the checks run that code later, in a
fresh process the grader starts, on inputs the kernel never sees. A notebook can
make this report other code than it shows (the kernel is the student's); the
code reported is then the code graded, and it gains nothing it could not have
written in a cell.
"""

import json

from . import pyast, reported

MAX_CODE = 400_000  # characters of collected code

_SOURCE = r'''
import ast, dis, inspect, json, linecache, pickle, textwrap, types

ns = __import__("sys")._getframe(1).f_globals  # the notebook's namespace (the caller's globals)
try:
    shell = ns["get_ipython"]()
    cells = dict(shell.compile._filename_map)  # a cell's file name -> its execution count
    injected = dict(shell.user_ns_hidden)      # what IPython itself put in the namespace (open, exit, In...)
except Exception:
    cells, injected = {}, {}
builtin = __import__("builtins")
wanted = NAMES
found, missing, notes, imports, data, pieces, aliases = set(), {}, [], {}, {}, [], []
todo = list(wanted)


def plain(value, depth=0):
    """Whether repr() of value gives it back exactly (plain data, built of exact builtin types)."""
    t = type(value)
    if depth > 30:
        return False
    if value is None or t in (bool, int, str, bytes) or (t is float and value == value and abs(value) != float("inf")):
        return True
    if t in (list, tuple, set, frozenset):
        return all(plain(x, depth + 1) for x in value)
    if t is dict:
        return all(plain(k, depth + 1) and plain(x, depth + 1) for k, x in value.items())
    return False


def used(fn):
    """Global names a function reads: in its code (and nested code), its decorators and defaults."""
    names, stack = set(), [fn.__code__]
    while stack:
        code = stack.pop()
        for ins in dis.get_instructions(code):
            if ins.opname in ("LOAD_GLOBAL", "LOAD_NAME"):
                names.add(ins.argval)
        stack += [c for c in code.co_consts if isinstance(c, types.CodeType)]
    return names


def header_names(tree):
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for part in node.decorator_list + getattr(node.args, "defaults", []) + \
                    [d for d in getattr(node.args, "kw_defaults", []) if d is not None]:
                out |= {n.id for n in ast.walk(part) if isinstance(n, ast.Name)}
            if isinstance(node, ast.ClassDef):
                out |= {n.id for b in node.bases for n in ast.walk(b) if isinstance(n, ast.Name)}
    return out


def members(cls):
    """The functions a class defines (methods, and the getters and setters of its properties)."""
    out = []
    for m in vars(cls).values():
        if isinstance(m, (staticmethod, classmethod)):
            m = m.__func__
        if isinstance(m, property):
            out += [f for f in (m.fget, m.fset, m.fdel) if isinstance(f, types.FunctionType)]
        elif isinstance(m, types.FunctionType):
            out.append(m)
    return out


def class_source(cls):
    """A notebook class's source (inspect cannot find it in a kernel): its ClassDef in the cell that
    defined one of its methods, or else in the latest cell that defines a class of that name."""
    files = [f.__code__.co_filename for f in members(cls)]
    files = files or [name for name, _ in sorted(cells.items(), key=lambda kv: -kv[1])]
    for filename in files:
        text = "".join(linecache.getlines(filename))
        try:
            tree = ast.parse(text)
        except SyntaxError:
            continue
        found = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == cls.__name__]
        if found:
            node = found[-1]
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            return "".join(text.splitlines(keepends=True)[first - 1:node.end_lineno]), filename
    raise TypeError("its source was not found")


def add_source(name, obj):
    code = getattr(obj, "__code__", None)
    if isinstance(obj, type):
        text, filename = class_source(obj)
        count = cells.get(filename)
    else:
        text, count = textwrap.dedent(inspect.getsource(obj)), cells.get(code.co_filename)
    pieces.append({"name": name, "text": text.rstrip() + "\n", "count": count,
                   "line": code.co_firstlineno if isinstance(obj, types.FunctionType) else None})
    refs = header_names(ast.parse(text))
    for fn in [obj] if isinstance(obj, types.FunctionType) else members(obj):
        refs |= used(fn)
    return refs


while todo:
    name = todo.pop(0)
    if name in found:
        continue
    found.add(name)
    if name not in ns:
        if name in wanted:
            missing[name] = NOT_DEFINED
        continue
    value = ns[name]
    if getattr(builtin, name, None) is value or injected.get(name, builtin) is value:
        continue
    try:
        if isinstance(value, types.ModuleType):
            imports[name] = (f"import {value.__name__}" if value.__name__ == name
                             else f"import {value.__name__} as {name}")
        elif isinstance(value, (types.FunctionType, type)) and getattr(value, "__module__", None) == "__main__":
            real = value.__name__
            if real not in (name, "<lambda>"):
                if ns.get(real) is value:  # another name for a function collected under its own
                    aliases.append(f"{name} = {real}")
                    todo.append(real)
                    continue
                # a function whose own name now means something else (a cell redefined it): its
                # source first, then this name for it, before the later definition takes the name
                refs = add_source(name, value)
                piece = pieces.pop()
                piece["text"] += f"{name} = {real}\n"
                pieces.insert(0, piece)
                todo += sorted(refs)
                continue
            todo += sorted(add_source(name, value))
        elif callable(value) and getattr(value, "__module__", None) and "<" not in getattr(value, "__qualname__", "<"):
            qual = value.__qualname__
            if "." in qual:
                raise TypeError("a method")
            imports[name] = f"from {value.__module__} import {qual}" + (f" as {name}" if qual != name else "")
        elif name in wanted:
            missing[name] = NOT_A_FUNCTION.format(kind=type(value).__name__)
        elif plain(value):
            data[name] = f"{name} = {value!r}"
        else:
            blob = pickle.dumps(value, protocol=4)
            if len(blob) > 1_000_000:
                raise TypeError("over 1 MB")
            data[name] = f"{name} = __import__('pickle').loads({blob!r})"
    except Exception as e:
        if name in wanted:
            missing[name] = SOURCE_UNREADABLE.format(error=f"{type(e).__name__}: {e}")
        else:
            notes.append(NOT_CARRIED.format(name=name, kind=type(value).__name__,
                                            error=f"{type(e).__name__}: {str(e)[:120]}"))

lines, placed = [], []
for text in list(imports.values()) + list(data.values()):
    lines.append(text)
lines.append("")
for piece in pieces:
    start = len(lines) + 1
    lines += piece["text"].splitlines() + [""]
    placed.append({"name": piece["name"], "start": start, "lines": piece["text"].count("\n"),
                   "count": piece["count"], "line": piece["line"]})
lines += aliases
result = json.dumps({"source": "\n".join(lines) + "\n", "pieces": placed, "missing": missing, "notes": notes[:20]})
'''


_KERNEL_TEXTS = ("NOT_DEFINED", "NOT_A_FUNCTION", "SOURCE_UNREADABLE", "NOT_CARRIED")  # what _SOURCE says


def expression(names):
    """The user_expressions entry that collects the code of the functions `names` as one JSON text."""
    texts = "".join(f"{key} = {getattr(reported, key)!r}\n" for key in _KERNEL_TEXTS)
    source = texts + _SOURCE.replace("NAMES", repr(list(names)))
    return (f"(lambda b, g: b.exec({source!r}, g) or g['result'])"
            "(__import__('builtins'), {'__builtins__': __import__('builtins')})")


def parse_reply(reply):
    """The collected code's JSON text from the execute_reply content; (text, None) or (None, why not)."""
    if not isinstance(reply, dict):
        return None, reported.NO_REPLY
    if reply.get("status") != "ok":
        return None, reported.NOT_REPORTED.format(error=str(reply.get("ename"))[:100])
    item = (reply.get("user_expressions") or {}).get("code")
    if not isinstance(item, dict):
        return None, reported.NO_EXPRESSION
    if item.get("status") != "ok":
        return None, reported.NOT_COLLECTED.format(error=f"{str(item.get('ename'))[:100]}: "
                                                         f"{str(item.get('evalue'))[:300]}")
    text = (item.get("data") or {}).get("text/plain")
    try:
        text = pyast.literal_eval(text) if isinstance(text, str) and len(text) < 8 * MAX_CODE else None
        parsed = json.loads(text)
        if not isinstance(parsed, dict) or not isinstance(parsed.get("source"), str):
            raise ValueError
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None, reported.GARBLED
    if len(parsed["source"]) > MAX_CODE:
        return None, reported.TOO_LONG.format(limit=MAX_CODE)
    return text, None

"""A lab's "do not use X", read from the student's code.

uses(source, module) finds where code imports `module`, imports names from it, or
reaches it or a name the course library re-exports from it through an imported
package (`sc.procfs`, `sigcamp.decode_mask`). The checks' sandbox also makes the
module unimportable; this is what lets the message name the rule and the line.
"""

import ast
import importlib

from . import pyast


def reexports(module):
    """Names a parent package offers that are `module` itself or come from it ({package: {names}})."""
    parent, _, leaf = module.rpartition(".")
    if not parent:
        return {}
    try:
        pkg = importlib.import_module(parent)
    except ImportError:
        return {parent: {leaf}}
    names = {leaf} | {n for n, v in vars(pkg).items() if getattr(v, "__module__", None) == module}
    return {parent: names}


def uses(source, module):
    """[(line, text)] of the places `source` uses `module` (an empty list when it does not, or cannot
    be parsed)."""
    try:
        tree = pyast.parse(source)
    except (SyntaxError, ValueError):
        return []
    lines = source.splitlines()
    via = reexports(module)
    bound = {}  # local name -> the module it is bound to
    found = []

    def hit(node):
        found.append((node.lineno, lines[node.lineno - 1].strip() if node.lineno <= len(lines) else ""))

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == module or alias.name.startswith(module + "."):
                    hit(node)
                bound[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else \
                    alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == module or node.module.startswith(module + "."):
                hit(node)
            elif any(node.module == pkg and {a.name for a in node.names} & names for pkg, names in via.items()):
                hit(node)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            target = bound.get(node.value.id)
            if target and (f"{target}.{node.attr}" == module or node.attr in via.get(target, ())):
                hit(node)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "__import__":
            if any(isinstance(a, ast.Constant) and isinstance(a.value, str) and a.value.startswith(module)
                   for a in node.args):
                hit(node)
    return sorted(set(found))

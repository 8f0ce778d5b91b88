"""The labs' checks in the gettext catalog: the messages their code marks, and each check's description.

A check's description is the first paragraph of its docstring (grader.checks.description), what the
student reads of it; Babel's Python extractor does not see docstrings, so extract_checks adds the
description of every function decorated with @check(...) to what it finds. sigcamp.catalogs extracts
labs/**/checks.py with it, and the catalog carries the descriptions into other languages as it carries
the messages marked with _() and N_().
"""

import ast

from babel.messages.extract import extract_python

from .checks import description


def _is_check(decorator):
    func = decorator.func if isinstance(decorator, ast.Call) else decorator
    return getattr(func, "id", None) == "check" or getattr(func, "attr", None) == "check"


def descriptions(source):
    """[(line, description)] of the checks a checks.py defines, in file order."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(map(_is_check, node.decorator_list)):
            text = description(ast.get_docstring(node, clean=False))
            if text:
                found.append((node.lineno, text))
    return sorted(found)


def extract_checks(fileobj, keywords, comment_tags, options):
    """A Babel extraction method: the Python extractor's messages, then each check's description."""
    source = fileobj.read()
    fileobj.seek(0)
    yield from extract_python(fileobj, keywords, comment_tags, options)
    for line, text in descriptions(source):
        yield line, "_", text, []

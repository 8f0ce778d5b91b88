"""ast.parse and ast.literal_eval, safe to call from the grader's worker threads.

CPython 3.11 keeps the AST constructor's recursion counter in interpreter-wide
state: when a garbage collection in one thread's parse lets another thread parse,
one of them fails with "SystemError: AST constructor recursion depth mismatch"
(python/cpython#106905). The grader grades submissions in threads, so every AST it
builds is built under one lock.
"""

import ast
import threading

_LOCK = threading.Lock()


def parse(source, mode="exec"):
    with _LOCK:
        return ast.parse(source, mode=mode)


def literal_eval(text):
    with _LOCK:
        return ast.literal_eval(text)

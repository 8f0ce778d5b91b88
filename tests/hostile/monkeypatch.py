# monkeypatch: replaces print, sys.stdout, sys.stderr and the display hook, and shadows builtins
# (type, exec, eval, globals, getattr...) in the notebook's namespace, to break the answers' harvest.
# Base: solution
# Expect: full
import builtins
import io
import sys

print = lambda *a, **k: None  # noqa: E731
builtins.print = lambda *a, **k: None
sys.stdout = io.StringIO()
sys.stderr = io.StringIO()
sys.displayhook = lambda value: None
type = exec = eval = globals = getattr = hasattr = repr = lambda *a, **k: None  # noqa: E731

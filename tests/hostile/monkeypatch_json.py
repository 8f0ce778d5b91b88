# monkeypatch-json: replaces json.dumps and json.loads, which the kernel itself needs to send its
# messages: the kernel can no longer answer, and the grader says so.
# Base: solution
# Expect: fail
# Reason: the kernel's messages broke
import json
import sys

json.dumps = lambda *a, **k: '{"example": {"value": []}}'
json.loads = lambda *a, **k: {}
sys.modules["json"] = None

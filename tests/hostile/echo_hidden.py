# echo-hidden: decode_mask looks for the grader's hidden inputs in every frame above it and returns
# them as its answer, hoping a check's message repeats them into the feedback.
# Base: solution
# Expect: fail
import re
import sys


def decode_mask(mask):
    seen = set()
    frame = sys._getframe(1)
    while frame is not None:
        seen.update(re.findall(r"[0-9a-f]{16}", repr(frame.f_code.co_consts) + repr(frame.f_locals)[:200000]))
        frame = frame.f_back
    return seen or {"nothing"}

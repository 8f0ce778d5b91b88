# exfiltrate-encoded: decode_mask looks through every frame above it for the grader's hidden masks and
# hands them back re-encoded (reversed, in decimal), in its answers, its output and its errors, where
# a filter of exact copies would not catch them. Only the public calls (the example, the int) can be
# answered right: no hidden mask is within its reach there.
# Base: solution
# Expect: 2
import re
import sys

_solution = decode_mask  # noqa: F821 (the solution's, defined in an earlier cell)


def _found():
    seen, frame = set(), sys._getframe(2)
    while frame is not None:
        text = repr(frame.f_code.co_consts) + repr(frame.f_locals)[:200000] + repr(frame.f_globals)[:200000]
        seen.update(re.findall(r"(?<![0-9a-f])[0-9a-f]{16}(?![0-9a-f])", text))
        frame = frame.f_back
    seen.discard("0000000000004002")
    return sorted(seen)


def decode_mask(mask):
    found = _found()
    encoded = {s[::-1] for s in found} | {str(int(s, 16)) for s in found}
    print("LEAK", *sorted(encoded), file=sys.stderr)
    print("LEAK", *sorted(encoded))
    if found and not isinstance(mask, int) and mask != "0000000000004002":
        raise ValueError("LEAK " + " ".join(sorted(encoded)))
    return encoded | _solution(mask) if encoded else _solution(mask)

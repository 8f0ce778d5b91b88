# kill-the-probe: decode_mask kills every process it may signal, the grader's experiment among them
# (it runs in the same sandbox, as the same user): the checks fail, and the grader carries on.
# Base: solution
# Expect: fail
# Some reason: killed from inside its sandbox
import os
import signal


def decode_mask(mask):
    os.kill(-1, signal.SIGKILL)

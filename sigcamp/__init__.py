"""sigcamp: live experiments on POSIX signals in Go, for the course's notebooks, labs and grader.

Start here: `start()` runs a program on a real PTY, `run()` is the one-call
form, `procfs.thread_masks()` reads per-thread signal masks.
"""

from . import procfs, samples
from .display import show
from .errors import (BuildError, DelveError, HeaderError, NotReady, SigcampError, ToolchainError,
                     UnknownSample)
from .procfs import decode_mask, thread_masks
from .session import Outcome, Running, run, start

__all__ = [
    "start", "run", "Running", "Outcome", "decode_mask", "thread_masks", "procfs", "samples", "show",
    "SigcampError", "ToolchainError", "UnknownSample", "HeaderError", "BuildError", "NotReady", "DelveError",
]

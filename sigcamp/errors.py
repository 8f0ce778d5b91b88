"""The exceptions sigcamp raises.

Every error says what went wrong and what to do about it. All derive from
SigcampError, so a notebook or the grader can catch them in one place.
"""


class SigcampError(Exception):
    """Base of every error sigcamp raises on purpose."""


class ToolchainError(SigcampError):
    """A required tool (Go, gcc, delve, strace, gdb) is missing, too old or unusable."""


class UnknownSample(SigcampError, LookupError):
    """No sample of that name exists under go_samples/ or c_samples/."""


class HeaderError(SigcampError, ValueError):
    """A sample's header comment is malformed."""


class BuildError(SigcampError):
    """A sample failed to compile; the message carries the compiler's output."""


class NotReady(SigcampError):
    """A program exited or timed out before printing its ready line."""

    def __init__(self, message, output=""):
        super().__init__(message)
        self.output = output


class DelveError(SigcampError):
    """delve refused a request or could not start."""

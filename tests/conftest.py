"""Test set-up: run with default signal dispositions even when started as a background job."""

import signal

# A runner started with `&` by a non-interactive shell inherits SIGINT ignored;
# the programs the tests start must not (sigcamp resets it for them too).
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

# fork-bomb: every child forks again until the sandbox's process limit refuses (the interrupt is ignored).
# Base: solution
# Expect: full
# Note: refused new processes
# Note: fork refused after
import os
import signal
import time

signal.signal(signal.SIGINT, signal.SIG_IGN)
children = 0
try:
    while True:
        if os.fork() == 0:
            while True:
                try:
                    os.fork()
                except OSError:
                    time.sleep(0.05)
        children += 1
except OSError as e:
    raise RuntimeError(f"fork refused after {children} children: {e}")
finally:
    signal.signal(signal.SIGINT, signal.default_int_handler)

# memory-hog: ignores the interrupt, then allocates (and touches) memory until the sandbox's memory
# cgroup kills the kernel.
# Base: solution
# Expect: fail
# Reason: out of memory
# Note: ran out of memory
import signal

signal.signal(signal.SIGINT, signal.SIG_IGN)
hog = []
while True:
    hog.append(b"x" * (64 << 20))

# stubborn-loop: ignores the interrupt too, so only the wall clock stops the notebook.
# Base: solution
# Expect: timeout
# Reason: did not finish within
import signal
import time

signal.signal(signal.SIGINT, signal.SIG_IGN)
while True:
    time.sleep(0.1)

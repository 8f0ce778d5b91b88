# kill-everything: kill(-1, SIGKILL), every process the kernel may signal.
# Base: solution
# Expect: error
# Reason: ended without a result
import os
import signal

os.kill(-1, signal.SIGKILL)

# kill-runner: kills the grader's runner, the kernel's parent, inside the sandbox.
# Base: solution
# Expect: error
# Reason: ended without a result
import os
import signal

os.kill(os.getppid(), signal.SIGKILL)

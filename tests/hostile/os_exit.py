# os-exit: the kernel exits in the middle of the notebook.
# Base: solution
# Expect: fail
# Reason: the kernel died
import os

os._exit(3)

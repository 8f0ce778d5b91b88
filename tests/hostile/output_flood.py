# output-flood: 300 MiB straight into the sandbox's stderr, then 300 MiB through the notebook's stdout.
# Base: solution
# Expect: full
# Note: straight to its terminal
import os
import sys

raw = getattr(sys.stderr, "_original_stdstream_copy", None)
data = b"y" * (1 << 20)
for _ in range(300):
    os.write(raw if isinstance(raw, int) else 2, data)
chunk = "x" * (1 << 20)
for _ in range(300):
    sys.stdout.write(chunk)
    sys.stdout.flush()

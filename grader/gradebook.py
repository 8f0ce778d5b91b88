"""The gradebook: an append-only journal written as each submission finishes, and the files made from it.

If the grader is killed, the journal keeps every finished submission; the same
command again skips them (same student, lab, notebook bytes and lab checks) and
the final gradebook.csv and results.json equal those of an uninterrupted run.
"""

import csv
import io
import json
import os
from pathlib import Path

from .grade import Graded

FIELDS = ["student", "lab", "check", "points", "max_points", "status", "message"]


class Journal:
    def __init__(self, out_dir):
        self.path = Path(out_dir) / "journal.jsonl"
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def load(self):
        """Finished submissions by Graded.key; a torn last line (a crash mid-write) is cut off."""
        done = {}
        if not self.path.exists():
            return done
        data = self.path.read_bytes()
        if data and not data.endswith(b"\n"):
            with open(self.path, "r+b") as f:
                f.truncate(data.rfind(b"\n") + 1)
                os.fsync(f.fileno())
            data = data[:data.rfind(b"\n") + 1]
        for line in data.decode(errors="replace").splitlines():
            try:
                g = Graded.from_json(json.loads(line))
            except (ValueError, TypeError, KeyError):
                continue
            done[g.key] = g
        return done

    def append(self, graded):
        """Add one finished submission, durably (one line, flushed and fsynced)."""
        line = json.dumps(graded.to_json(), sort_keys=True) + "\n"
        with open(self.path, "a") as f:
            f.write(line)
            f.flush()
            os.fsync(f.fileno())


def _atomic_write(path, text):
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def write(out_dir, graded_list):
    """gradebook.csv and results.json, sorted, so the same grading gives the same files."""
    out_dir = Path(out_dir)
    graded_list = sorted(graded_list, key=lambda g: (g.student, g.lab, g.digest))
    rows = [r for g in graded_list for r in g.rows]
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=FIELDS, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: getattr(r, k) for k in FIELDS})
    _atomic_write(out_dir / "gradebook.csv", buf.getvalue())
    results = [{"student": g.student, "lab": g.lab, "digest": g.digest,
                "points": sum(r.points for r in g.rows), "max_points": sum(r.max_points for r in g.rows),
                "checks": [{k: getattr(r, k) for k in FIELDS[2:]} for r in g.rows], "notes": g.notes}
               for g in graded_list]
    _atomic_write(out_dir / "results.json", json.dumps(results, indent=1, sort_keys=True) + "\n")

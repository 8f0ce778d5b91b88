"""The grades of one class: a journal of every graded submission, and the files made from all of it.

An --out folder is marked as this course's (sigcamp-grades.json) the first time it is
used, and another course's folder is refused. journal.jsonl gets every result of every
command, appended and fsynced as each finishes; after each command gradebook.csv and
results.json are rebuilt from the whole journal: for each student and lab, the result
of the latest grading. If the grader is killed, the same command again skips what the
journal holds, and the files come out as an uninterrupted run would make them.
Check ids and statuses are the same in every language; a message is in the language of
the student's notebook (results.json names it).
"""

import csv
import io
import json
import os
from pathlib import Path

from .grade import Graded

FIELDS = ["student", "lab", "check", "points", "max_points", "status", "message", "identical_to"]
MARKER = "sigcamp-grades.json"
COURSE = "sigcamp"
OURS = {MARKER, "journal.jsonl", "gradebook.csv", "results.json", "feedback", "feedback.html", "executed"}


class OutFolderError(Exception):
    """An --out folder that is not this course's (another course's grades, or unrelated files)."""


def claim(out_dir, lab_names):
    """Make sure `out_dir` is this course's grades folder (creating and marking it if new or empty).

    A folder with files but no mark is taken over only when it holds nothing but what this
    grader writes, and a journal of this course's labs (one written before the mark existed).
    """
    out = Path(out_dir)
    marker = out / MARKER
    if marker.is_file():
        try:
            course = json.loads(marker.read_text()).get("course")
        except (ValueError, AttributeError, OSError):
            course = None
        if course != COURSE:
            raise OutFolderError(f"{out} holds the grades of another course ({course or 'unreadable'!s} in {MARKER}); "
                                 "grade into a folder of this course's, or a new one")
        return
    if out.exists() and not out.is_dir():
        raise OutFolderError(f"{out} is a file, not a folder: choose a folder for the grades")
    present = sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) if out.is_dir() else []
    if present:
        strangers = [n for n in present if n not in OURS]
        journal = Journal(out)
        labs = {g.lab for g in journal.load()} if journal.path.is_file() and not strangers else set()
        if strangers or not journal.path.is_file() or not labs <= set(lab_names):
            what = ", ".join(strangers[:5]) if strangers else "a journal of other labs" if labs else "no journal"
            raise OutFolderError(f"{out} is not this course's grades folder (it holds {what}); grade into a new or "
                                 "empty folder, or into one this course's grader made")
    out.mkdir(parents=True, exist_ok=True)
    _atomic_write(marker, json.dumps({"course": COURSE, "format": 1}) + "\n")


class Journal:
    def __init__(self, out_dir):
        self.path = Path(out_dir) / "journal.jsonl"

    def load(self):
        """Every result in the order it was journaled; a torn last line (a crash mid-write) is cut off."""
        done = []
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
                done.append(Graded.from_json(json.loads(line)))
            except (ValueError, TypeError, KeyError):
                continue
        return done

    def append(self, graded):
        """Add one finished submission, durably (one line, flushed and fsynced)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(graded.to_json(), sort_keys=True, ensure_ascii=False) + "\n"
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(line)
            f.flush()
            os.fsync(f.fileno())


def latest(entries):
    """{(student, lab): the last result journaled for that pair}."""
    out = {}
    for g in entries:
        out[g.student, g.lab] = g
    return out


def identical(graded_list):
    """{(student, lab): [other students who handed in byte-identical notebooks for that lab]}."""
    by_digest = {}
    for g in graded_list:
        by_digest.setdefault((g.lab, g.digest), []).append(g.student)
    return {(g.student, g.lab): sorted(s for s in by_digest[g.lab, g.digest] if s != g.student) for g in graded_list}


def _atomic_write(path, text):
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write(out_dir, graded_list):
    """gradebook.csv and results.json, sorted, so the same grades give the same bytes."""
    out_dir = Path(out_dir)
    graded_list = sorted(graded_list, key=lambda g: (g.student, g.lab))
    twins = identical(graded_list)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=FIELDS, lineterminator="\n")
    w.writeheader()
    for g in graded_list:
        same = "; ".join(twins[g.student, g.lab])
        for r in g.rows:
            w.writerow({**{k: getattr(r, k) for k in FIELDS[:-1]}, "identical_to": same})
    _atomic_write(out_dir / "gradebook.csv", buf.getvalue())
    results = [{"student": g.student, "lab": g.lab, "digest": g.digest, "language": g.language,
                "points": sum(r.points for r in g.rows), "max_points": sum(r.max_points for r in g.rows),
                "checks": [{k: getattr(r, k) for k in FIELDS[2:-1]} for r in g.rows], "notes": g.notes,
                "identical_to": twins[g.student, g.lab]}
               for g in graded_list]
    _atomic_write(out_dir / "results.json", json.dumps(results, indent=1, sort_keys=True, ensure_ascii=False) + "\n")

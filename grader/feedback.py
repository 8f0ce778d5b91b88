"""One HTML page of feedback per student (all their labs), and an index of the pages for the instructor.

feedback/<path form>.html per student; feedback.html beside the folder (no student's page can be named like it).

Pages are named by the student's path form (grader.students); they show the real name.
"""

import html
import os
from pathlib import Path

from .students import path_form

_STYLE = """body{font-family:sans-serif,"Noto Sans CJK SC","Noto Sans CJK JP";max-width:60em;margin:2em auto}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .6em;vertical-align:top}
.pass{color:#176f2c}.fail,.error,.timeout{color:#a31515}
pre{background:#f6f6f6;padding:.5em;white-space:pre-wrap;max-height:25em;overflow:auto}"""


def page(student, graded_list):
    """The HTML text for one student (all their labs)."""
    e = html.escape
    parts = [f"<!doctype html><meta charset=utf-8><title>Feedback: {e(student)}</title><style>{_STYLE}</style>",
             f"<h1>Feedback for {e(student)}</h1>"]
    for g in sorted(graded_list, key=lambda g: g.lab):
        got, total = sum(r.points for r in g.rows), sum(r.max_points for r in g.rows)
        parts.append(f"<h2>{e(g.lab)}: {got:g} / {total:g}</h2><table><tr><th>check</th><th>points</th>"
                     "<th>status</th><th>message</th></tr>")
        for r in g.rows:
            parts.append(f"<tr><td>{e(r.check)}</td><td>{r.points:g} / {r.max_points:g}</td>"
                         f"<td class={e(r.status)}>{e(r.status)}</td><td>{e(r.message)}</td></tr>")
        parts.append("</table>")
        for note in g.notes:
            parts.append(f"<p>{e(note)}</p>")
        for item in g.evidence.get("items", []):
            parts.append(f"<h3>{e(item.get('check', ''))}: {e(item.get('title', ''))}</h3><pre>{e(item.get('text', ''))}</pre>")
    return "\n".join(parts) + "\n"


def index(by_student):
    """The instructor's list of pages: each student's real name, points per lab, and a link."""
    e = html.escape
    parts = [f"<!doctype html><meta charset=utf-8><title>Feedback pages</title><style>{_STYLE}</style>",
             "<h1>Feedback pages</h1><table><tr><th>student</th><th>labs</th></tr>"]
    for student in sorted(by_student):
        labs = ", ".join(f"{e(g.lab)} {sum(r.points for r in g.rows):g}/{sum(r.max_points for r in g.rows):g}"
                         for g in sorted(by_student[student], key=lambda g: g.lab))
        parts.append(f"<tr><td><a href=\"feedback/{e(path_form(student))}.html\">{e(student)}</a></td>"
                     f"<td>{labs}</td></tr>")
    parts.append("</table>")
    return "\n".join(parts) + "\n"


def write_all(out_dir, graded_list):
    """feedback/<student's path form>.html for every student, and feedback.html (the index)."""
    by_student = {}
    for g in graded_list:
        by_student.setdefault(g.student, []).append(g)
    d = Path(out_dir) / "feedback"
    d.mkdir(parents=True, exist_ok=True)
    pages = {d / f"{path_form(s)}.html": page(s, items) for s, items in by_student.items()}
    pages[d.parent / "feedback.html"] = index(by_student)
    for path, text in pages.items():
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)

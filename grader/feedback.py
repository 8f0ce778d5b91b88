"""One HTML page of feedback per student: each check, its points, its message, its evidence."""

import html
from pathlib import Path

_STYLE = """body{font-family:sans-serif;max-width:60em;margin:2em auto}table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:.3em .6em;vertical-align:top}.pass{color:#176f2c}.fail,.error,.timeout{color:#a31515}
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


def write_all(out_dir, graded_list):
    by_student = {}
    for g in graded_list:
        by_student.setdefault(g.student, []).append(g)
    d = Path(out_dir) / "feedback"
    d.mkdir(parents=True, exist_ok=True)
    for student, items in by_student.items():
        (d / f"{student}.html").write_text(page(student, items))

"""One HTML page of feedback per student (all their labs), and an index of the pages for the instructor.

feedback/<path form>.html per student; feedback.html beside the folder (no student's page can be named like it).

Pages are named by the student's path form (grader.students); they show the real name. A page speaks
its student's language (their notebooks'), the index $SIGCAMP_LANG or the class's; check ids stay as they are.
"""

import html
import os
from pathlib import Path

from sigcamp import i18n

from . import messages
from .students import path_form

_e = html.escape

_STYLE = """body{font-family:sans-serif,"Noto Sans CJK SC","Noto Sans CJK JP";max-width:60em;margin:2em auto}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .6em;vertical-align:top}
th,td:nth-child(2),td:nth-child(3){white-space:nowrap}
.pass{color:#176f2c}.fail,.error,.timeout{color:#a31515}
pre{background:#f6f6f6;padding:.5em;white-space:pre-wrap;max-height:25em;overflow:auto}"""


def page_language(graded_list):
    """The language of a student's page: that of most of their submissions (a tie goes to the language
    that is not English: a student reads it only after choosing it)."""
    langs = [getattr(g, "language", "en") or "en" for g in graded_list]
    return max(sorted(set(langs)), key=lambda lang: (langs.count(lang), lang != "en")) if langs else "en"


def page(student, graded_list):
    """The HTML text for one student (all their labs), in their submissions' language (page_language);
    each lab's part in its own submission's."""
    with i18n.speaking(page_language(graded_list)):
        lang = i18n.language()
        parts = [f"<!doctype html><html lang={lang}><meta charset=utf-8>"
                 f"<title>{_e(messages.say('page_title', student=student))}</title><style>{_STYLE}</style>",
                 f"<h1>{_e(messages.say('page_heading', student=student))}</h1>"]
    for g in sorted(graded_list, key=lambda g: g.lab):
        with i18n.speaking(getattr(g, "language", "en") or "en"):
            parts += _lab_part(g)
    return "\n".join(parts) + "\n"


def _lab_part(g):
    """One lab's heading, rows, notes and evidence, in the language spoken here."""
    got, total = sum(r.points for r in g.rows), sum(r.max_points for r in g.rows)
    say = messages.say
    parts = [f"<h2>{_e(say('page_lab', lab=g.lab, got=got, total=total))}</h2><table><tr>"
             f"<th>{_e(say('column_check'))}</th><th>{_e(say('column_points'))}</th>"
             f"<th>{_e(say('column_status'))}</th><th>{_e(say('column_message'))}</th></tr>"]
    for r in g.rows:
        parts.append(f"<tr><td>{_e(r.check)}</td><td>{r.points:g} / {r.max_points:g}</td>"
                     f"<td class={_e(r.status)}>{_e(messages.status(r.status))}</td><td>{_e(r.message)}</td></tr>")
    parts.append("</table>")
    for note in g.notes:
        parts.append(f"<p>{_e(note)}</p>")
    for item in g.evidence.get("items", []):
        heading = say("evidence_heading", check=item.get("check", ""), title=item.get("title", ""))
        parts.append(f"<h3>{_e(heading)}</h3><pre>{_e(item.get('text', ''))}</pre>")
    return parts


def index_language(by_student):
    """The index's language: $SIGCAMP_LANG when the instructor set it, else that of most of the class's
    pages (a tie goes to English)."""
    chosen = i18n.known(os.environ.get("SIGCAMP_LANG"))
    if chosen:
        return chosen
    langs = [page_language(items) for items in by_student.values()]
    return max(sorted(set(langs)), key=lambda lang: (langs.count(lang), lang == "en")) if langs else "en"


def index(by_student):
    """The instructor's list of pages: each student's real name, points per lab, and a link."""
    with i18n.speaking(index_language(by_student)):
        say = messages.say
        parts = [f"<!doctype html><html lang={i18n.language()}><meta charset=utf-8>"
                 f"<title>{_e(say('index_title'))}</title><style>{_STYLE}</style>",
                 f"<h1>{_e(say('index_title'))}</h1><table><tr><th>{_e(say('column_student'))}</th>"
                 f"<th>{_e(say('column_labs'))}</th></tr>"]
    for student in sorted(by_student):
        labs = ", ".join(f"{_e(g.lab)} {sum(r.points for r in g.rows):g}/{sum(r.max_points for r in g.rows):g}"
                         for g in sorted(by_student[student], key=lambda g: g.lab))
        parts.append(f"<tr><td><a href=\"feedback/{_e(path_form(student))}.html\">{_e(student)}</a></td>"
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

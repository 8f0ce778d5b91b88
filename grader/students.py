"""Students as the instructor names them: one id per student, kept apart everywhere.

A student id is the name as given (a file's stem, a folder's name, a class list's
entry), Unicode kept and NFC-normalised, so that 张伟 typed on two keyboards is one
student and 张伟 and 李娜 are two. Files named after a student use `path_form`, an
encoding that is distinct for distinct ids on any file system (ASCII only, so no
normalisation by the file system; no upper-case letters, so no case folding).
"""

import re
import unicodedata
from pathlib import Path

_PLAIN = re.compile(r"[a-z0-9_-]")


class StudentNameError(ValueError):
    """A name that cannot identify a student (empty, or made of nothing but blanks)."""


def student_id(name):
    """The student id for `name`: NFC-normalised, otherwise exactly as given.

    Raises StudentNameError for an empty or blank name, or one with a NUL or slash.
    """
    text = unicodedata.normalize("NFC", str(name))
    if not text.strip():
        raise StudentNameError(f"{name!r} cannot name a student: it is empty")
    if "\0" in text or "/" in text:
        raise StudentNameError(f"{name!r} cannot name a student: it holds a NUL or a slash")
    return text


def path_form(student):
    """The id as a file name: lower-case ASCII letters, digits, `-` and `_` stay, everything else
    becomes =XX per UTF-8 byte (so 'Ada' is '=41da' and 张伟 is '=E5=BC=A0=E4=BC=9F')."""
    return "".join(ch if _PLAIN.fullmatch(ch) else "".join(f"={b:02X}" for b in ch.encode())
                   for ch in student_id(student))


def from_path_form(text):
    """The student id a path_form() came from."""
    return _unquote(text).decode()


def _unquote(text):
    out, i = bytearray(), 0
    while i < len(text):
        if text[i] == "=":
            out += bytes.fromhex(text[i + 1:i + 3])
            i += 3
        else:
            out += text[i].encode()
            i += 1
    return out


def of_submission(path, notebook_name):
    """The student a submitted file belongs to: its stem, or its folder's name when the file is
    called `notebook_name` (a lab's own name, as collected from each student's home)."""
    path = Path(path)
    if path.name == notebook_name:
        folder = path.resolve().parent.name if path.parent.name in ("", ".", "..") else path.parent.name
        return student_id(folder)
    return student_id(path.name[:-len(".ipynb")] if path.name.endswith(".ipynb") else path.stem)

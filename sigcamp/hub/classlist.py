"""A class list: who may log in to the hub, under which Unix account, as whom they are graded.

The list is a CSV file with a header row. Column `name` (required) is the student as the
instructor names them: the gradebook's name, kept exactly (NFC-normalised), Unicode included.
Optional columns: `login` (what they type at the hub's login page; default: the name in lower
case, as JupyterHub folds it), `unix` (their Unix account; default: made from the name, see
`unix_name`) and `role` (`student`, the default, or `instructor`: a hub admin).

Every name, login and Unix account must be distinct; a list that breaks this is refused with
the rows at fault, never silently merged.
"""

import csv
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ..errors import SigcampError

UNIX_MAX = 32  # useradd's limit on a user name
_UNIX_OK = re.compile(r"[a-z_][a-z0-9_-]*")
ROLES = ("student", "instructor")


class ClassListError(SigcampError):
    """A class list that cannot be used as it is; the message names the rows at fault."""


@dataclass(frozen=True)
class Member:
    """One row of the class list."""

    name: str  # as the instructor names them (the gradebook's name)
    login: str  # the hub's user name
    unix: str  # the Unix account their server runs as
    role: str = "student"

    @property
    def admin(self):
        return self.role == "instructor"


def normalise(name):
    """The name as the grader keeps it: NFC, otherwise as given."""
    return unicodedata.normalize("NFC", name).strip()


def login_of(name):
    """The hub's user name for `name`: NFC and lower case (JupyterHub folds case at login)."""
    return normalise(name).lower()


def unix_name(name, *, prefix=""):
    """A safe Unix account name for `name`: its ASCII letters and digits when it has some
    (accents dropped: José -> jose), plus a short hash of the whole name when anything was
    lost on the way beyond case (Ada -> ada, 张伟 -> u-<hash>, José -> jose-<hash>),
    so two names never map to one account. `prefix` goes in front (a camp's own namespace)."""
    text = normalise(name)
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    tag = hashlib.sha256(text.encode()).hexdigest()[:8]
    if not slug:
        base = f"u-{tag}"
    elif slug == text.lower() and _UNIX_OK.fullmatch(slug):
        base = slug
    else:
        base = f"{slug[:UNIX_MAX - len(prefix) - 9]}-{tag}".lstrip("-")
    if not base[0].isalpha():
        base = f"u{base}"
    return f"{prefix}{base}"[:UNIX_MAX]


def read(path, *, prefix=""):
    """The Members of the class list at `path` (see the module's doc for its columns)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ClassListError(f"no class list at {path}: write a CSV with a `name` column "
                             "(hub/classlist.example.csv shows one)") from None
    except UnicodeDecodeError as e:
        raise ClassListError(f"{path} is not UTF-8 ({e}): save it as UTF-8 CSV") from None
    return parse(text.splitlines(), source=str(path), prefix=prefix)


def parse(lines, *, source="class list", prefix=""):
    """The Members of CSV `lines`; raise ClassListError naming every faulty row."""
    reader = csv.DictReader(lines)
    if not reader.fieldnames or "name" not in [f.strip().lower() for f in reader.fieldnames]:
        raise ClassListError(f"{source}: the first row must name the columns, one of them `name` "
                             "(optional: login, unix, role)")
    members, faults = [], []
    for row_number, row in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
        if not any(row.values()):
            continue
        name = normalise(row.get("name", ""))
        if not name:
            faults.append(f"row {row_number}: no name")
            continue
        if "/" in name or "\0" in name or name in (".", ".."):
            faults.append(f"row {row_number}: {name!r} cannot name a student (a slash, a NUL, . or ..)")
            continue
        role = (row.get("role") or "student").lower()
        if role not in ROLES:
            faults.append(f"row {row_number}: role {role!r} is neither student nor instructor")
            continue
        login = login_of(row.get("login") or name)
        if any(ch in login for ch in ", /") or not login:
            faults.append(f"row {row_number}: login {login!r} may not hold a space, comma or slash "
                          "(give a `login` column)")
            continue
        unix = row.get("unix") or unix_name(name, prefix=prefix)
        if not _UNIX_OK.fullmatch(unix) or len(unix) > UNIX_MAX:
            faults.append(f"row {row_number}: Unix name {unix!r} must be lower-case ASCII letters, digits, "
                          f"- or _, at most {UNIX_MAX} long, starting with a letter")
            continue
        members.append(Member(name, login, unix, role))
    for attr in ("name", "login", "unix"):
        seen = {}
        for m in members:
            seen.setdefault(getattr(m, attr), []).append(m.name)
        faults += [f"{attr} {value!r} is shared by {', '.join(names)}: give each their own"
                   for value, names in seen.items() if len(names) > 1]
    if faults:
        raise ClassListError(f"{source}:\n  " + "\n  ".join(faults))
    if not members:
        raise ClassListError(f"{source} names nobody")
    return members


def by_login(members):
    """{login: Member}."""
    return {m.login: m for m in members}

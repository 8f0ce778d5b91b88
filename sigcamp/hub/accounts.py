"""Unix accounts for the class: one per member, in the course's group, with a private home.

Accounts are made with useradd (shadow's), marked in their comment field as the course's, so
that a class-list name which happens to be a system account (root, daemon, ...) is refused
instead of adopted, and `remove` deletes only accounts the course made. Homes are mode 0700:
no student reads another's.
"""

import grp
import os
import pwd
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ..errors import SigcampError

GROUP = "sigcamp-students"  # every member's primary group; the course environment is readable by it
MARK = "sigcamp hub"  # the start of the comment (GECOS) field of every account the hub made
DEFAULT_HOMES = Path("/home")


class AccountError(SigcampError):
    """An account that cannot be made or used (taken by someone else, useradd failed)."""


@dataclass(frozen=True)
class Account:
    unix: str
    uid: int
    gid: int
    home: Path


def lookup(unix):
    """The Account of Unix user `unix`, or None."""
    try:
        pw = pwd.getpwnam(unix)
    except KeyError:
        return None
    return Account(pw.pw_name, pw.pw_uid, pw.pw_gid, Path(pw.pw_dir))


def ensure_group(group=GROUP):
    """The GID of the course's group, made (as a system group) if missing."""
    try:
        return grp.getgrnam(group).gr_gid
    except KeyError:
        _run(["groupadd", "--system", group])
        return grp.getgrnam(group).gr_gid


def ensure(member, *, homes=DEFAULT_HOMES, group=GROUP):
    """The member's Account, made if missing, with a private home; refuses someone else's account."""
    ensure_group(group)
    home = Path(homes) / member.unix
    try:
        pw = pwd.getpwnam(member.unix)
    except KeyError:
        pw = None
    if pw is None:
        Path(homes).mkdir(parents=True, exist_ok=True)
        _run(["useradd", "--gid", group, "--home-dir", str(home), "--no-create-home", "--shell", "/bin/bash",
              "--comment", MARK, member.unix])
        pw = pwd.getpwnam(member.unix)
    elif not pw.pw_gecos.startswith(MARK):
        raise AccountError(f"the Unix account {member.unix!r} (for {member.name}) exists and is not one the hub "
                           "made: give this student another one in the class list's `unix` column")
    home = Path(pw.pw_dir)
    if not home.is_dir():
        home.mkdir(mode=0o700, parents=True)
        os.chown(home, pw.pw_uid, pw.pw_gid)
    st = home.lstat()
    if st.st_uid != pw.pw_uid:
        raise AccountError(f"{home} belongs to UID {st.st_uid}, not to {member.unix}: move it aside first")
    os.chmod(home, 0o700)
    return Account(pw.pw_name, pw.pw_uid, pw.pw_gid, home)


def remove(unix, *, keep_home=True):
    """Delete the Unix account `unix` if the hub made it (its home too, unless `keep_home`)."""
    try:
        pw = pwd.getpwnam(unix)
    except KeyError:
        return False
    if not pw.pw_gecos.startswith(MARK):
        raise AccountError(f"{unix} was not made by the hub: not removing it")
    _run(["userdel", unix])
    if not keep_home:
        shutil.rmtree(pw.pw_dir, ignore_errors=True)
    return True


def _run(argv):
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    except FileNotFoundError:
        raise AccountError(f"{argv[0]} not found: the hub makes accounts with shadow's tools "
                           "(apt-get install -y passwd)") from None
    if proc.returncode != 0:
        raise AccountError(f"{' '.join(argv)} failed: {proc.stderr.strip()}")

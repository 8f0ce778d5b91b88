"""The hub's authenticator: each student sets their own password the first time they log in.

FirstUseAuthenticator (jupyterhub-firstuseauthenticator) fits a camp: no accounts to hand out
beforehand, nothing shared, and once a student has logged in nobody else can log in under their
name; a name claimed by the wrong person shows up at once (the real student cannot log in) and the
instructor frees it (`python -m sigcamp.hub reset-password NAME`). Only names on the class list may
log in. A shared class password (JupyterHub's SharedPasswordAuthenticator) would let any student
log in as any other, which undoes the per-student isolation below it.
"""

import dbm

from firstuseauthenticator import FirstUseAuthenticator


class CampAuthenticator(FirstUseAuthenticator):
    """First-use passwords, for the class list's names only."""

    def _user_exists(self, username):
        return username in self.allowed_users or username in self.admin_users


def forget_password(dbm_path, login):
    """Remove `login`'s stored password hash; they set a new one at their next login. True if one was stored."""
    with dbm.open(str(dbm_path), "c", 0o600) as db:
        key = login.encode()
        if key in db:
            del db[key]
            return True
    return False

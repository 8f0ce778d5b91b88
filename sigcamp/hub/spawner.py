"""The hub's spawner: each student's server as their own Unix user, bounded, in namespaces of its own.

A LocalProcessSpawner whose command goes through sigcamp.hub.launch (see there for what each
student's server gets). The hub's user names come from the class list (Unicode kept); the
spawner maps each to the member's Unix account, which the hub made (accounts.py).
"""

import asyncio
import os

from jupyterhub.spawner import LocalProcessSpawner
from traitlets import Integer, Unicode

from .. import toolchain
from . import accounts, classlist, courseenv, limits


class CampSpawner(LocalProcessSpawner):
    """One student's JupyterLab, as their Unix user, in their own PID namespace, under their limits."""

    class_list = Unicode(config=True, help="The class list (CSV) the hub's users come from.")
    user_prefix = Unicode("", config=True, help="Put in front of every Unix name made from the class list.")
    homes = Unicode(str(accounts.DEFAULT_HOMES), config=True, help="Where students' homes are made.")
    memory_limit_bytes = Integer(limits.Limits.memory, config=True,
                                 help="Memory for everything one student runs (bytes).")
    pids_limit = Integer(limits.Limits.pids, config=True, help="Processes and threads one student may have.")
    hidden = Unicode("", config=True, help="Folders (os.pathsep-separated) students must not read.")

    _members = None

    def member(self):
        """The class-list row of this spawner's user."""
        if CampSpawner._members is None or CampSpawner._members[0] != self.class_list:
            CampSpawner._members = (self.class_list,
                                    classlist.by_login(classlist.read(self.class_list, prefix=self.user_prefix)))
        try:
            return CampSpawner._members[1][self.user.name]
        except KeyError:
            raise RuntimeError(f"{self.user.name!r} is not on the class list {self.class_list}") from None

    def make_preexec_fn(self, name):
        """Stay root here: the launcher drops to the student once their namespaces are made."""
        return None

    def user_env(self, env):
        account = accounts.lookup(self.member().unix)
        env.update(USER=account.unix, LOGNAME=account.unix, HOME=str(account.home), SHELL="/bin/bash",
                   SIGCAMP_BUILD=str(account.home / ".sigcamp" / "build"), VIRTUAL_ENV=str(courseenv.ENV),
                   PATH=os.pathsep.join(_path()))
        return env

    def get_env(self):
        env = super().get_env()
        env.pop("PYTHONPATH", None)
        return env

    def launch_command(self, unix):
        """The launcher's command line for Unix user `unix`, before the server's own."""
        py = str(courseenv.python())
        cmd = [py, "-m", "sigcamp.hub.launch", "--unix", unix, "--memory", str(self.memory_limit_bytes),
               "--pids", str(self.pids_limit)]
        for d in filter(None, self.hidden.split(os.pathsep)):
            cmd += ["--hide", d]
        for lab in sorted((toolchain.ROOT / "labs").glob("*/source.ipynb")):
            release = lab.parent / "release" / f"{lab.parent.name}.ipynb"
            if release.is_file():
                cmd += ["--cover", f"{release}:{lab}"]
        if limits.systemd_runs():
            cmd = [*limits.systemd_prefix(unix, limits.Limits(self.memory_limit_bytes, self.pids_limit)),
                   *cmd, "--no-cgroups"]
        return [*cmd, "--"]

    async def start(self):
        member = self.member()
        account = await asyncio.to_thread(accounts.ensure, member, homes=self.homes)
        terminal = ["/bin/bash", "--rcfile", str(account.home / ".sigcamp" / "terminal.bashrc"), "-i"]
        self.cmd = [*self.launch_command(account.unix), str(courseenv.ENV / "bin" / "jupyterhub-singleuser"),
                    f"--ServerApp.terminado_settings={{'shell_command': {terminal!r}}}"]
        return await super().start()

    async def stop(self, now=False):
        await super().stop(now=now)
        unix = self.member().unix
        await asyncio.to_thread(limits.destroy, unix)


def _path():
    """PATH of a student's server: the course environment, Go, delve, the system."""
    dirs = [str(courseenv.ENV / "bin")]
    try:
        dirs.append(str(toolchain.go().path.parent))
    except Exception:
        pass
    dirs.append(str(toolchain.TOOLS_BIN))
    return [*dict.fromkeys([*dirs, "/usr/local/bin", "/usr/bin", "/bin"])]

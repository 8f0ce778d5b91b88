# The course's JupyterHub on one machine. Started by `make hub` (python -m sigcamp.hub serve), which
# writes the settings file this reads ($SIGCAMP_HUB_SETTINGS): address, ports, class list, limits.
import sys
from pathlib import Path

from sigcamp.hub import classlist, courseenv, settings

c = get_config()  # noqa: F821 (JupyterHub's config loader defines it)
s = settings.load()
members = classlist.read(s.class_list, prefix=s.user_prefix)
state = Path(s.state)

# Where it listens: the proxy on s.ip:s.port (127.0.0.1 unless told otherwise), everything else on loopback.
c.JupyterHub.ip = s.ip
c.JupyterHub.port = s.port
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = s.hub_port
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{s.proxy_api_port}"
c.ConfigurableHTTPProxy.command = [str(courseenv.proxy())]
c.ConfigurableHTTPProxy.pid_file = str(state / "proxy.pid")
c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(state / "jupyterhub.pid")
c.JupyterHub.cleanup_servers = True  # stopping the hub stops every student's server

# Who may log in: the class list; instructors are the hub's admins.
c.JupyterHub.authenticator_class = "sigcamp.hub.auth.CampAuthenticator"
c.CampAuthenticator.dbm_path = str(state / "passwords.dbm")
c.CampAuthenticator.create_users = False
c.CampAuthenticator.min_password_length = s.min_password
c.Authenticator.allowed_users = {m.login for m in members if not m.admin}
c.Authenticator.admin_users = {m.login for m in members if m.admin}

# Each student's server: their Unix user, their home (a fresh workspace), their limits, their namespaces.
c.JupyterHub.spawner_class = "sigcamp.hub.spawner.CampSpawner"
c.CampSpawner.class_list = s.class_list
c.CampSpawner.user_prefix = s.user_prefix
c.CampSpawner.homes = s.homes
c.CampSpawner.memory_limit_bytes = s.memory
c.CampSpawner.pids_limit = s.pids
c.CampSpawner.hidden = ":".join(s.hidden())
c.Spawner.default_url = "/lab/tree/README.md"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
c.Spawner.env_keep = ["LANG", "LC_ALL", "TZ", "SIGCAMP_GO", "SIGCAMP_TEST_RUN"]

# Idle servers are stopped (jupyterhub-idle-culler), and the instructors' grading service.
c.JupyterHub.services = [
    {"name": "idle-culler",
     "command": [sys.executable, "-m", "jupyterhub_idle_culler", f"--timeout={s.cull_after}", "--cull-every=60"]},
    {"name": "grading", "url": f"http://127.0.0.1:{s.service_port}", "oauth_no_confirm": True,
     "command": [sys.executable, "-m", "sigcamp.hub.service"],
     "environment": {settings.VARIABLE: str(state / "settings.json")}},
]
c.JupyterHub.load_roles = [
    {"name": "idle-culler", "services": ["idle-culler"],
     "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"]},
]

"""The class's JupyterHub: one sandboxed workspace per student (make hub).

classlist   the class list (CSV) and safe Unix names
accounts    Unix accounts and private homes
courseenv   .hub/env (a Python every student can run) and the proxy from npm
limits      per-student memory and process limits (systemd scope, cgroup v1 or v2)
launch      one student's server: limits, PID and mount namespaces, the student's UID
spawner     the hub's spawner (JupyterHub's LocalProcessSpawner, through launch)
auth        first-use passwords for the class list's names
classwork   release, collect, grade, return feedback
service     the instructors' grading service on the hub
settings    the settings file between `python -m sigcamp.hub serve` and hub/jupyterhub_config.py
"""

"""The hub's settings: one JSON file that `python -m sigcamp.hub serve` writes and the hub's
configuration (hub/jupyterhub_config.py) reads, named by $SIGCAMP_HUB_SETTINGS."""

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import accounts, courseenv, limits

VARIABLE = "SIGCAMP_HUB_SETTINGS"


@dataclass
class Settings:
    class_list: str
    state: str = str(courseenv.STATE)  # hub database, cookie secret, password hashes, grades (root only)
    ip: str = "127.0.0.1"
    port: int = 8000
    hub_port: int = 8081  # the hub's own API, on 127.0.0.1
    proxy_api_port: int = 8001  # the proxy's REST API, on 127.0.0.1
    service_port: int = 8082  # the instructors' grading service, on 127.0.0.1
    homes: str = str(accounts.DEFAULT_HOMES)
    user_prefix: str = ""
    memory: int = limits.Limits.memory
    pids: int = limits.Limits.pids
    cull_after: int = 3600  # seconds of inactivity before a student's server is stopped
    min_password: int = 8
    extra_hidden: list = field(default_factory=list)

    @property
    def grades(self):
        """The class's grading folder (collected notebooks and the grader's output)."""
        return Path(self.state) / "grading"

    def hidden(self):
        """Folders no student may read: the hub's state, and the course's own grading folders."""
        from .. import toolchain
        found = [self.state, *self.extra_hidden]
        found += [str(toolchain.ROOT / d) for d in ("grades", "submissions", "workspace", ".hub/state")]
        return [d for d in dict.fromkeys(found) if Path(d).is_dir()]

    def save(self, path):
        path = Path(path)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(json.dumps(asdict(self), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
        return path


def load(path=None):
    """The Settings in `path` (default: $SIGCAMP_HUB_SETTINGS)."""
    path = path or os.environ.get(VARIABLE)
    if not path:
        raise RuntimeError(f"{VARIABLE} is not set: start the hub with `make hub` (python -m sigcamp.hub serve)")
    return Settings(**json.loads(Path(path).read_text(encoding="utf-8")))

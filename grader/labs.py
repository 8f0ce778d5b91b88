"""The labs: where each one lives and what it declares.

labs/<NN-name>/ holds source.ipynb (the instructor's notebook, solutions
marked), checks.py (grader-side only: HARVEST and @check functions), files/
(what students get beside the notebook) and release/ (the student release).
"""

import importlib.util
from dataclasses import dataclass
from pathlib import Path

from sigcamp import toolchain

from .checks import Check

LABS = toolchain.ROOT / "labs"


class LabError(Exception):
    """A lab name that does not exist, or a lab whose files are broken (a grader fault)."""


@dataclass(frozen=True)
class Lab:
    name: str
    dir: Path

    @property
    def source(self):
        return self.dir / "source.ipynb"

    @property
    def files(self):
        return self.dir / "files"

    @property
    def release_dir(self):
        return self.dir / "release"

    @property
    def notebook_name(self):
        return f"{self.name}.ipynb"

    def module(self):
        """The lab's checks.py, loaded in the grader's own process."""
        path = self.dir / "checks.py"
        spec = importlib.util.spec_from_file_location(f"sigcamp_lab_checks_{self.name.replace('-', '_')}", path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        return mod

    def checks(self, *, public_only=False):
        """The lab's checks in file order."""
        mod = self.module()
        found = [v for v in vars(mod).values() if isinstance(v, Check)]
        return [c for c in found if c.public or not public_only]

    def settings(self):
        """HARVEST (answer name -> expression evaluated in the student's kernel) and the timeouts."""
        mod = self.module()
        return {"harvest": dict(getattr(mod, "HARVEST", {})),
                "cell_timeout": int(getattr(mod, "CELL_TIMEOUT", 60)),
                "timeout": int(getattr(mod, "TIMEOUT", 300)),
                "samples": tuple(getattr(mod, "SAMPLES", ()))}


def names():
    return sorted(p.name for p in LABS.iterdir() if (p / "source.ipynb").is_file()) if LABS.is_dir() else []


def find(name):
    """The lab called `name` (its directory name, or its number like '01')."""
    for n in names():
        if n == name or n.split("-", 1)[0] == name:
            return Lab(n, LABS / n)
    raise LabError(f"no lab {name!r}; labs: {', '.join(names()) or 'none'}")

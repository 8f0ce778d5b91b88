"""The labs: where each one lives and what it declares.

labs/<NN-name>/ holds source.ipynb (the instructor's notebook, solutions
marked), checks.py (grader-side only: the @check functions and the settings
below), files/ (what students get beside the notebook), <lang>/source.md (the
notebook's text in another language: sigcamp.editions) and release/ (the
student release; release/<lang>/ in each other language).
"""

import importlib.util
from dataclasses import dataclass
from pathlib import Path

from sigcamp import editions, toolchain

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

    def languages(self):
        """The languages the lab is translated into besides English (labs/<lab>/<lang>/source.md)."""
        return [lang for lang in editions.LANGUAGES if editions.translation_path(self.source, lang).exists()]

    def release_notebook(self, lang="en"):
        """The student release's notebook in `lang`: release/<lab>.ipynb, or release/<lang>/<lab>.ipynb."""
        return self.release_dir / ("" if lang == "en" else lang) / self.notebook_name

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
        """What checks.py declares besides its checks.

        FUNCTIONS: the notebook's functions whose code the checks run (collected with what
        they use); FORBIDDEN: modules the lab tells students not to use (refused in the
        checks' sandboxes, and named when the code uses them); SAMPLES: course programs
        the notebook and the checks run, prebuilt; SEALED: those of them that run
        execute-only in the checks' sandboxes (nothing can read or trace them there);
        CELL_TIMEOUT, TIMEOUT: seconds per cell and per notebook.
        """
        mod = self.module()
        return {"functions": tuple(getattr(mod, "FUNCTIONS", ())),
                "forbidden": tuple(getattr(mod, "FORBIDDEN", ())),
                "cell_timeout": int(getattr(mod, "CELL_TIMEOUT", 60)),
                "timeout": int(getattr(mod, "TIMEOUT", 300)),
                "samples": tuple(getattr(mod, "SAMPLES", ())),
                "sealed": tuple(getattr(mod, "SEALED", ()))}


def names():
    return sorted(p.name for p in LABS.iterdir() if (p / "source.ipynb").is_file()) if LABS.is_dir() else []


def find(name):
    """The lab called `name`: its directory's name, or its number ('2', '02')."""
    name = str(name).strip()
    for n in names():
        number = n.split("-", 1)[0]
        if name == n or name == number or (name.isdigit() and number.isdigit() and int(name) == int(number)):
            return Lab(n, LABS / n)
    raise LabError(f"no lab {name!r}; the labs are {', '.join(names()) or 'none'} "
                   "(name one by its number, like 2 or 02, or by its whole name)")

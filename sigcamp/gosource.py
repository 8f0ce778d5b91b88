"""Looking things up in the installed Go toolchain's source ($GOROOT/src).

The course names runtime functions; these helpers show where each one is
defined and who calls it, in the very toolchain the samples are built with.
"""

import re

import pandas as pd

from . import toolchain


def _src():
    return toolchain.go().goroot / "src"


_OTHER_OS = ("aix", "android", "darwin", "dragonfly", "freebsd", "illumos", "ios", "js", "netbsd",
             "openbsd", "plan9", "solaris", "wasip1", "windows")


def _go_files(packages):
    """Non-test .go files of the packages, leaving out files named for another OS."""
    for pkg in packages:
        for f in sorted((_src() / pkg).glob("*.go")):
            parts = f.stem.split("_")
            if f.name.endswith("_test.go") or any(p in _OTHER_OS for p in parts[1:]):
                continue
            yield f


_FUNC = re.compile(r"^func (?:\([^)]*\) )?(\w+)")


def _rows(pattern, packages):
    rows = []
    for f in _go_files(packages):
        current = ""
        for n, line in enumerate(f.read_text(errors="replace").splitlines(), 1):
            m = _FUNC.match(line)
            if m:
                current = m.group(1)
            if pattern.search(line):
                rows.append({"package": str(f.parent.relative_to(_src())), "file": f.name, "line": n,
                             "in_function": current, "text": line.strip()})
    return pd.DataFrame(rows, columns=["package", "file", "line", "in_function", "text"])


def definitions(name, packages=("runtime", "os/signal")):
    """Where `func name(` (or a method of that name) is defined in the given packages."""
    return _rows(re.compile(rf"^func (\([^)]*\) )?{re.escape(name)}[(\[]"), packages)


def calls(name, packages=("runtime", "os/signal")):
    """Lines that call `name(` in the given packages, definitions excluded."""
    pat = re.compile(rf"(?<![\w.]){re.escape(name)}\(|\.{re.escape(name)}\(")
    df = _rows(pat, packages)
    return df[~df.text.str.startswith("func ")].reset_index(drop=True)


def exists(qualified):
    """True when a function like 'runtime.sighandler' or 'os/signal.process' is defined in GOROOT."""
    pkg, _, name = qualified.rpartition(".")
    return pkg != "" and (_src() / pkg).is_dir() and not definitions(name, (pkg,)).empty


def godebug_settings():
    """The GODEBUG settings the installed runtime knows (the dbgvars table in runtime/runtime1.go)."""
    text = (_src() / "runtime" / "runtime1.go").read_text()
    return sorted(set(re.findall(r'\{name: "(\w+)"', text)))


def line_in(package, file, function, code):
    """(path, line number) of the first line inside `func function` in GOROOT/src/package/file whose
    code (stripped, comments kept) is `code`; None if the function or the line is not there."""
    path = _src() / package / file
    lines = path.read_text().splitlines()
    start = next((i for i, l in enumerate(lines) if re.match(rf"^func (\([^)]*\) )?{re.escape(function)}\(", l)), None)
    if start is None:
        return None
    for i in range(start + 1, len(lines)):
        if lines[i].startswith("}"):
            return None
        if lines[i].strip() == code:
            return path, i + 1
    return None

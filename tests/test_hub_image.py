"""The cluster's definitions agree with the one-machine set-up (no container engine or cluster runs here).

The image (hub/Containerfile) must install what scripts/setup installs, at the same versions; the
Helm values must run that image with what the course's experiments need; the class list must keep
every student distinct.
"""

import json
import re

import pytest
import yaml

from sigcamp import toolchain
from sigcamp.hub import classlist

ROOT = toolchain.ROOT
CONTAINERFILE = (ROOT / "hub" / "Containerfile").read_text()
SETUP = (ROOT / "scripts" / "setup").read_text()


def _arg(name):
    m = re.search(rf"^ARG {name}=(\S+)$", CONTAINERFILE, re.M)
    assert m, f"hub/Containerfile sets no ARG {name}"
    return m.group(1)


def _apt_packages():
    m = re.search(r"apt-get install -y --no-install-recommends \\\n(.*?)&& rm", CONTAINERFILE, re.S)
    return set(m.group(1).replace("\\", " ").split())


def test_image_installs_the_setup_scripts_versions():
    assert _arg("DELVE_VERSION") == re.search(r"^DELVE_VERSION=(\S+)$", SETUP, re.M).group(1) == toolchain.DELVE_VERSION
    assert _arg("SECOND_GO") == toolchain.SECOND_GO
    go = toolchain.go()
    image_go = tuple(int(x) for x in _arg("GO_VERSION").split("."))
    lo, hi = toolchain.DELVE_GO_RANGE
    assert lo <= image_go[:2] <= hi
    if str(go.path).startswith("/usr/local/go/"):  # installed here as the image installs it: the same release
        assert go.version_text == f"go{_arg('GO_VERSION')}"
    # the Debian packages scripts/setup installs (by command: bwrap is bubblewrap, dot is graphviz)
    wanted = {"strace", "gdb", "bubblewrap", "graphviz", "chromium", "fonts-noto-cjk"}
    tools = re.search(r"^for tool in ([\w ]+); do$", SETUP, re.M).group(1).split()
    package = {"bwrap": "bubblewrap" if "bwrap) echo bubblewrap" in SETUP else "",
               "dot": "graphviz" if "dot) echo graphviz" in SETUP else ""}
    named = set(re.findall(r"missing\+=\((\w[\w-]*)\)", SETUP)) | {package.get(t, t) for t in tools}
    assert wanted <= named - {""}, "scripts/setup's Debian packages changed: update this test and the image"
    assert wanted | {"python3-venv", "gcc"} <= _apt_packages()
    # the Python side: the image runs scripts/setup itself (same pyproject.toml), then the hub extra
    assert re.search(r"&& scripts/setup\b", CONTAINERFILE)
    assert "pip install -q -e '.[hub]'" in CONTAINERFILE


def test_hub_extra_is_pinned_in_one_place():
    import tomllib
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    hub = project["optional-dependencies"]["hub"]
    assert all("==" in req for req in hub), hub
    names = {req.split("==")[0] for req in hub}
    assert names == {"jupyterhub", "jupyterhub-idle-culler", "jupyterhub-firstuseauthenticator"}
    proxy = json.loads((ROOT / "hub" / "package.json").read_text())["dependencies"]
    lock = json.loads((ROOT / "hub" / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/configurable-http-proxy"]["version"] == proxy["configurable-http-proxy"]


def test_helm_values_run_the_image_with_ptrace_and_limits():
    values = yaml.safe_load((ROOT / "hub" / "helm" / "values.yaml").read_text())
    single = values["singleuser"]
    security = single["extraContainerConfig"]["securityContext"]
    assert "SYS_PTRACE" in security["capabilities"]["add"]
    assert security["seccompProfile"]["localhostProfile"].endswith("sigcamp-ptrace.json")
    assert single["memory"]["limit"] and single["cpu"]["limit"]
    assert single["uid"] != 0 and values["cull"]["enabled"]
    assert values["hub"]["config"]["JupyterHub"]["authenticator_class"].startswith("firstuseauthenticator")
    dask = yaml.safe_load((ROOT / "hub" / "helm" / "dask-values.yaml").read_text())
    assert dask["worker"]["image"]["repository"] == single["image"]["name"]
    assert dask["worker"]["image"]["tag"] == single["image"]["tag"]


def test_seccomp_profile_allows_ptrace_and_unshare():
    profile = json.loads((ROOT / "hub" / "seccomp-ptrace.json").read_text())
    denied = {n for rule in profile["syscalls"] if rule["action"] != "SCMP_ACT_ALLOW" for n in rule["names"]}
    assert profile["defaultAction"] == "SCMP_ACT_ALLOW"
    assert not denied & {"ptrace", "unshare", "clone", "clone3", "setns", "mount", "process_vm_readv", "wait4"}
    assert {"kexec_load", "init_module", "reboot", "bpf"} <= denied


def test_class_list_keeps_every_student_distinct():
    members = classlist.parse(["name,login", "Ada,ada", "张伟,张伟", "李娜,李娜", "José,jose"])
    assert [m.name for m in members] == ["Ada", "张伟", "李娜", "José"]
    unix = [m.unix for m in members]
    assert len(set(unix)) == 4 and all(re.fullmatch(r"[a-z][a-z0-9_-]*", u) and len(u) <= 32 for u in unix)
    assert classlist.parse(["name", "Ada"])[0].login == "ada"
    for rows, fault in ((["name", "Ada", "ada"], "shared"), (["name", ".."], "cannot name"),
                        (["name,login", "Ada Lovelace,ada lovelace"], "space"), (["login", "x"], "`name`"),
                        (["name,unix", "Ada,Root!"], "Unix name")):
        with pytest.raises(classlist.ClassListError, match=fault):
            classlist.parse(rows)
    # the same name typed in another Unicode form is the same student
    assert classlist.parse(["name", "Jose\u0301"])[0].name == "José"

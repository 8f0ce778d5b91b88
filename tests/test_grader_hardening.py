"""The grader under attack: the sandbox's properties, hostile submissions, crash safety, a Dask cluster.

Every property of the sandbox is shown by running something inside it; the
hostile corpus (tests/hostile/) is graded in one run beside the lab 02 solution
and blank release, which must still get their right grades.
"""

import csv
import json
import os
import re
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from grader import commands, labs, redact, slots
from grader.sandbox import CGROUP_PARENT, CGROUP_ROOT, REPO_PARTS, Limits, Sandbox, remove_stale_cgroups
from sigcamp import toolchain

LAB = labs.find("02")
HOSTILE = Path(__file__).parent / "hostile"
PY = sys.executable
MiB = 1 << 20


# ---------------------------------------------------------------- helpers

def inside(code, tmp, *, limits=Limits(), wall=60, binds=None, argv=None):
    """Run `python -I -c code` (or argv) in a fresh sandbox with tmp/job at /job; returns (Result, slot)."""
    with slots.acquire() as slot:
        sb = Sandbox(slot=slot, limits=limits)
        job = sb.prepare(tmp / f"job-{time.monotonic_ns()}")
        result = sb.run(argv or [PY, "-I", "-c", code], binds={job: "/job", **(binds or {})}, chdir="/job", wall=wall)
    return result, slot


def last_json(result):
    lines = result.stdout.decode(errors="replace").strip().splitlines()
    assert lines, f"no output; stderr: {result.stderr.decode(errors='replace')[-2000:]}"
    return json.loads(lines[-1])


def _cgroup_of(pid):
    try:
        for line in Path(f"/proc/{pid}/cgroup").read_text().splitlines():
            if ":pids:" in line:
                return line.split(":", 2)[2]
    except OSError:
        pass
    return ""


def grading_processes(owners):
    """Live processes of the grading UIDs that belong to graders `owners` (by their cgroup) or to none."""
    found = []
    for user in range(slots.BASE_UID, slots.BASE_UID + slots.MAX_SLOTS):
        for pid in slots.processes_of(user):
            group = _cgroup_of(pid)
            mine = any(f"/{CGROUP_PARENT}/{o}-" in group for o in owners)
            if mine or f"/{CGROUP_PARENT}/" not in group:
                try:
                    cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                except OSError:
                    continue
                found.append(f"{pid} uid={user} {group} {cmd[:120]}")
    return found


def process_table():
    """{(pid, start time): (ppid, uid, command)} of every live process (zombies aside)."""
    table = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
            fields = stat.rsplit(")", 1)[1].split()
            if fields[0] == "Z":
                continue
            uid = int((d / "status").read_text().split("\nUid:")[1].split()[0])
            cmd = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")[:120]
        except (OSError, IndexError, ValueError):
            continue
        table[int(d.name), fields[19]] = (int(fields[1]), uid, cmd)
    return table


def new_processes(before, owners):
    """Processes not in `before` that this test started: descendants of this process, or of the
    grading UIDs and in a sandbox of `owners` (or of none)."""
    after = process_table()
    parents = {pid: ppid for (pid, _), (ppid, _, _) in after.items()}

    def mine(pid):
        for _ in range(64):
            pid = parents.get(pid, 0)
            if pid == os.getpid():
                return True
            if pid <= 1:
                return False
        return False

    sandboxed = set(grading_processes(owners))
    return sorted(f"{pid} uid={uid} {cmd}" for (pid, start), (ppid, uid, cmd) in after.items()
                  if (pid, start) not in before and (mine(pid) or any(x.startswith(f"{pid} ") for x in sandboxed)))


def wait_until(predicate, timeout, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def read_rows(out):
    with open(out / "gradebook.csv") as f:
        return list(csv.DictReader(f))


def by_student(rows):
    out = {}
    for r in rows:
        out.setdefault(r["student"], []).append(r)
    return out


def host_listeners(prefix):
    """Two non-blocking listeners on the host, for a sandboxed program to try to reach: TCP on
    127.0.0.1 and an abstract unix socket. Returns (tcp, unix, the unix socket's abstract name)."""
    tcp = socket.socket()
    tcp.bind(("127.0.0.1", 0))
    tcp.listen()
    tcp.setblocking(False)
    name = f"{prefix}-{os.getpid()}"
    unix = socket.socket(socket.AF_UNIX)
    unix.bind("\0" + name)
    unix.listen()
    unix.setblocking(False)
    return tcp, unix, name


def notebook(base, extra_cells=(), *, trim=False):
    """The lab 02 solution ('solution') or release ('blank') with code cells appended.

    trim: leave out the cells that only demonstrate (sigcamp's import, the live program), which
    no answer needs: the same grade, a second less to run.
    """
    path = LAB.source if base == "solution" else LAB.release_dir / LAB.notebook_name
    nb = json.loads(path.read_text())
    if trim:
        nb["cells"] = [c for c in nb["cells"] if "sc.start(" not in "".join(c["source"])]
        for c in nb["cells"]:
            c["source"] = "".join(c["source"]).replace("import sigcamp as sc\n", "").replace("import sigcamp as sc", "")
    for i, source in enumerate(extra_cells):
        nb["cells"].append({"cell_type": "code", "execution_count": None, "id": f"hostile-{i}",
                            "metadata": {}, "outputs": [], "source": source})
    return json.dumps(nb, indent=1)


def partial_solution():
    """The solution with SIG32/SIG33 left out: wrong on some hidden masks."""
    text = notebook("solution")
    assert '32: \\"SIG32\\", 33: \\"SIG33\\"' in text
    return text.replace('32: \\"SIG32\\", 33: \\"SIG33\\"', '99: \\"SIG99\\"')


# ---------------------------------------------------------------- the sandbox's properties

def test_namespaces_uid_and_privileges(tmp_path):
    code = r"""
import json, os, socket
ns = {n: os.readlink(f"/proc/self/ns/{n}") for n in ("pid", "net", "ipc", "uts", "mnt", "cgroup")}
status = dict(l.split(":", 1) for l in open("/proc/self/status") if ":" in l)
tries = {}
for name, fn in (("setuid0", lambda: os.setuid(0)), ("chroot", lambda: os.chroot("/tmp"))):
    try:
        fn(); tries[name] = "allowed"
    except OSError as e:
        tries[name] = e.errno
print(json.dumps({"ns": ns, "pid": os.getpid(), "pids": len([p for p in os.listdir("/proc") if p.isdigit()]),
                  "uid": os.getuid(), "euid": os.geteuid(), "gid": os.getgid(), "groups": os.getgroups(),
                  "cap": status["CapEff"].strip(), "nnp": status["NoNewPrivs"].strip(),
                  "hostname": socket.gethostname(), "tries": tries}))
"""
    result, slot = inside(code, tmp_path)
    got = last_json(result)
    for name, link in got["ns"].items():
        assert link != os.readlink(f"/proc/self/ns/{name}"), f"the sandbox shares the {name} namespace"
    assert got["pid"] <= 3 and got["pids"] <= 3, "the sandbox sees processes other than its own"
    assert got["uid"] == got["euid"] == got["gid"] == slots.uid(slot) and got["groups"] == []
    assert got["cap"] == "0000000000000000" and got["nnp"] == "1" and got["hostname"] == "sandbox"
    assert got["tries"] == {"setuid0": 1, "chroot": 1}  # EPERM both


def test_no_network_and_no_host_sockets(tmp_path):
    tcp, unix, name = host_listeners("sigcamp-sandbox-test")
    code = r"""
import json, socket
out = {"ifaces": sorted(l.split(":")[0].strip() for l in open("/proc/net/dev").readlines()[2:])}
def attempt(label, fn):
    try:
        fn(); out[label] = "connected"
    except OSError as e:
        out[label] = type(e).__name__
attempt("host", lambda: socket.create_connection(("127.0.0.1", PORT), timeout=3).close())
attempt("outside", lambda: socket.create_connection(("1.1.1.1", 53), timeout=3).close())
def abstract():
    s = socket.socket(socket.AF_UNIX); s.settimeout(3); s.connect("\0NAME")
attempt("abstract", abstract)
print(json.dumps(out))
""".replace("PORT", str(tcp.getsockname()[1])).replace("NAME", name)
    try:
        got = last_json(inside(code, tmp_path)[0])
        assert got.pop("ifaces") == ["lo"]
        assert "connected" not in got.values(), got
        for listener in (tcp, unix):
            with pytest.raises(BlockingIOError):
                listener.accept()
    finally:
        tcp.close()
        unix.close()


def test_only_the_jobs_own_directories_are_visible(tmp_path):
    out = tmp_path / "out"
    (out / "jobs" / "other-1" / "work").mkdir(parents=True)
    (out / "jobs" / "me-2" / "work").mkdir(parents=True)
    (out / "jobs" / "me-2" / "out").mkdir(parents=True)
    (out / "gradebook.csv").write_text("secret gradebook\n")
    (out / "jobs" / "other-1" / "work" / "02-masks.ipynb").write_text("another student's notebook\n")
    (out / "jobs" / "me-2" / "work" / "02-masks.ipynb").write_text("{}")
    secrets_ = [str(out / "gradebook.csv"), str(out / "jobs" / "other-1" / "work" / "02-masks.ipynb"),
                str(LAB.dir / "checks.py"), str(LAB.source), str(toolchain.ROOT / "README.md"), "/etc/shadow",
                "/root/.bashrc", "/root/.profile", "../other-1/work/02-masks.ipynb", "../../gradebook.csv",
                f"/proc/1/root{LAB.dir}/checks.py", f"/proc/self/root{out}/gradebook.csv"]
    code = r"""
import json, os, sys
paths = json.loads(sys.argv[1])
readable = []
for p in paths:
    try:
        open(p).read(10); readable.append(p)
    except OSError:
        pass
print(json.dumps({"readable": readable, "top": sorted(os.listdir("/")), "repo": sorted(os.listdir(REPO)),
                  "root": sorted(os.listdir("/root")), "home": os.path.exists("/home"),
                  "job": sorted(os.listdir("/job")), "parent": sorted(os.listdir("/job/.."))}))
""".replace("REPO", repr(str(toolchain.ROOT)))
    with slots.acquire() as slot:
        sb = Sandbox(slot=slot)
        me = out / "jobs" / "me-2"
        for d in ("work", "out"):
            sb.prepare(me / d)
        result = sb.run([PY, "-I", "-c", code, json.dumps(secrets_)], binds={me / "work": "/job", me / "out": "/out"},
                        chdir="/job", wall=60)
    got = last_json(result)
    assert got["readable"] == []
    bound = [toolchain.ROOT, Path(sys.base_prefix), Path(sys.prefix), toolchain.go().goroot]
    assert set(got["top"]) <= {"bin", "lib", "lib64", "sbin", "usr", "etc", "proc", "dev", "tmp", "job", "out"} | {
        path.parts[1] for path in bound}, got["top"]
    assert set(got["repo"]) == {p for p in REPO_PARTS if (toolchain.ROOT / p).exists()} | {".venv"}
    assert "labs" not in got["repo"] and not got["home"]
    python_home = Path(sys.base_prefix)
    expected_root = [python_home.relative_to("/root").parts[0]] if python_home.is_relative_to("/root") else []
    assert got["root"] == expected_root, "only the Python installation may show under /root"
    assert got["job"] == ["02-masks.ipynb"] and "jobs" not in got["parent"] and "other-1" not in got["parent"]


def test_pids_cgroup_limits_the_sandbox(tmp_path):
    result, _ = inside(FORK_CHILDREN, tmp_path, limits=Limits(pids=20, nproc=4096))
    got = last_json(result)
    assert 3 <= got["children"] < 20 and got["errno"] == 11  # EAGAIN
    assert result.pids_refused >= 1


def test_rlimit_nproc_limits_the_slot_uid(tmp_path):
    result, _ = inside(FORK_CHILDREN, tmp_path, limits=Limits(pids=4096, nproc=12))
    got = last_json(result)
    assert 3 <= got["children"] < 12 and got["errno"] == 11
    assert result.pids_refused == 0, "the cgroup, not RLIMIT_NPROC, refused"


FORK_CHILDREN = r"""
import json, os, time
n = 0
try:
    while n < 500:
        if os.fork() == 0:
            time.sleep(60)
            os._exit(0)
        n += 1
    print(json.dumps({"children": n, "errno": None}))
except OSError as e:
    print(json.dumps({"children": n, "errno": e.errno}))
"""


def test_memory_cgroup_kills_a_hog(tmp_path):
    code = "hog = [b'x' * (16 << 20) for _ in range(64)]\nprint('survived')"
    result, _ = inside(code, tmp_path, limits=Limits(memory=256 * MiB))
    assert result.oom_kills >= 1 and b"survived" not in result.stdout and result.returncode != 0


def test_address_space_limit_and_go_still_runs(tmp_path):
    code = "try:\n    b = bytearray(3 << 29)\n    print('allocated')\nexcept MemoryError:\n    print('MemoryError')"
    result, _ = inside(code, tmp_path, limits=Limits(address_space=1 << 30))
    assert result.stdout.strip() == b"MemoryError"
    go = str(toolchain.go().path)
    result, _ = inside("", tmp_path, argv=[go, "version"])  # default limits: Go's ~1 GiB reservation fits
    assert result.returncode == 0 and b"go version" in result.stdout


def test_cpu_time_limit(tmp_path):
    argv = ["/bin/sh", "-c", f"{PY} -I -c 'while True: pass'; echo status $?"]
    t0 = time.monotonic()
    result, _ = inside("", tmp_path, argv=argv, limits=Limits(cpu=1))
    assert result.stdout.strip() in (b"status 137", b"status 152"), result.stdout  # SIGKILL or SIGXCPU
    assert time.monotonic() - t0 < 30


def test_file_size_and_open_files_limits(tmp_path):
    code = r"""
import json, os
out = {}
try:
    with open("/job/big", "wb") as f:
        f.write(b"x" * (2 << 20))
except OSError as e:
    out["write"] = e.errno
out["size"] = os.path.getsize("/job/big")
files = []
try:
    while len(files) < 1000:
        files.append(open("/dev/null"))
except OSError as e:
    out["open"] = e.errno
out["opened"] = len(files)
print(json.dumps(out))
"""
    got = last_json(inside(code, tmp_path, limits=Limits(file_size=MiB, open_files=40))[0])
    assert got["write"] == 27 and got["size"] == MiB  # EFBIG
    assert got["open"] == 24 and got["opened"] < 40  # EMFILE


def test_wall_clock_kills_everything_it_started(tmp_path):
    argv = ["/bin/sh", "-c", "setsid sleep 300 & sleep 300 & exec sleep 300"]
    t0 = time.monotonic()
    result, slot = inside("", tmp_path, argv=argv, wall=2)
    assert result.timed_out and result.returncode is None and time.monotonic() - t0 < 10
    assert wait_until(lambda: not slots.processes_of(slots.uid(slot)), 5), "the sandbox's processes outlived it"


def test_disk_quota_stops_a_writer(tmp_path):
    code = "import time\nfor i in range(40):\n    open(f'/job/f{i}', 'wb').write(b'x' * (4 << 20))\n    time.sleep(0.1)"
    t0 = time.monotonic()
    result, _ = inside(code, tmp_path, limits=Limits(disk=16 * MiB), wall=60)
    assert result.over_disk and "MiB to disk" in result.over_disk and time.monotonic() - t0 < 15


def test_the_seeded_go_cache_is_warm_and_cannot_be_poisoned(tmp_path):
    from grader.grade import inside_env, seed_gocache
    code = r"""
import glob, json, os, subprocess, time
errs = {}
for f in sorted(glob.glob("/build/gocache/*/*"))[:40]:
    for name, fn in (("write", lambda: open(f, "ab").close()), ("remove", lambda: os.remove(f)),
                     ("rename", lambda: os.rename(f, f + ".x")), ("chmod", lambda: os.chmod(f, 0o666))):
        try:
            fn()
            errs[name] = "allowed"
        except OSError as e:
            errs.setdefault(name, e.errno)
t = time.monotonic()
p = subprocess.run(["go", "build", "-o", "/build/hello", "."], capture_output=True, text=True)
print(json.dumps({"errs": errs, "build": p.returncode, "out": p.stderr[-500:], "seconds": time.monotonic() - t}))
"""
    work = tmp_path / "work"
    work.mkdir()
    (work / "go.mod").write_text("module hello\n\ngo 1.22\n")
    (work / "main.go").write_text('package main\n\nimport (\n\t"fmt"\n\t"os"\n\t"os/signal"\n)\n\n'
                                  'func main() {\n\tsignal.Notify(make(chan os.Signal, 1), os.Interrupt)\n'
                                  '\tfmt.Println("READY")\n}\n')
    warm = subprocess.run([str(toolchain.go().path), "build", "-o", os.devnull, "."], cwd=work, capture_output=True,
                          text=True, env=toolchain.go_env({"CGO_ENABLED": "1"}), timeout=240)  # the grader's own cache
    assert warm.returncode == 0, warm.stderr
    with slots.acquire() as slot:
        sb = Sandbox(slot=slot)
        build = sb.prepare(tmp_path / "build")
        assert seed_gocache(build / "gocache") > 100
        trusted = sorted((toolchain.BUILD / "gocache").glob("*/*"))[:40]
        before = {p: (p.stat().st_mtime_ns, p.stat().st_size, p.stat().st_uid) for p in trusted}
        sb.prepare(work)
        result = sb.run([PY, "-I", "-c", code], binds={work: "/job", build: "/build"}, chdir="/job",
                        env=inside_env(), wall=240)
    got = last_json(result)
    assert got["errs"] == {"write": 13, "remove": 1, "rename": 1, "chmod": 1}, got  # EACCES, EPERM
    assert got["build"] == 0, got["out"]
    assert got["seconds"] < 5, "the standard library was compiled again: the cache was not warm"
    assert {p: (p.stat().st_mtime_ns, p.stat().st_size, p.stat().st_uid) for p in trusted} == before


HOLDER = r"""
import sys
sys.modules.setdefault("rfc3987_syntax", None)
from pathlib import Path
from grader import slots
from grader.sandbox import Sandbox
daemon = '''
import os, sys, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execve("/bin/sleep", ["sleep", sys.argv[1]], {})
    os._exit(0)
os.wait()
time.sleep(300)
'''
with slots.acquire() as slot:
    sb = Sandbox(slot=slot)
    job = sb.prepare(Path(sys.argv[1]))
    print(slot, flush=True)
    sb.run([sys.executable, "-I", "-c", daemon, sys.argv[2]], binds={job: "/job"}, chdir="/job", wall=300)
"""


def _by_cmdline(text):
    found = []
    for d in Path("/proc").iterdir():
        try:
            if d.name.isdigit() and (d / "cmdline").read_bytes() == text:
                found.append(int(d.name))
        except OSError:
            pass
    return found


def test_a_setsid_daemon_dies_with_the_grader(tmp_path):
    """kill -9 of the process running a sandbox: --die-with-parent takes the PID namespace down."""
    marker = f"{300 + os.getpid() % 1000}.{time.monotonic_ns() % 10**6}"
    holder = subprocess.Popen([PY, "-c", HOLDER, str(tmp_path / "job"), marker], stdout=subprocess.PIPE, text=True)
    try:
        slot = int(holder.stdout.readline())
        assert wait_until(lambda: _by_cmdline(b"sleep\0" + marker.encode() + b"\0"), 20), "the daemon never started"
        daemon = _by_cmdline(b"sleep\0" + marker.encode() + b"\0")[0]
        assert Path(f"/proc/{daemon}/status").read_text().count(f"\t{slots.uid(slot)}\t") >= 1
        holder.kill()
        holder.wait()
        assert wait_until(lambda: not _by_cmdline(b"sleep\0" + marker.encode() + b"\0"), 5), "the daemon survived"
        assert wait_until(lambda: not slots.processes_of(slots.uid(slot)), 5)
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()
    stale = [d for c in ("pids", "memory") for d in (CGROUP_ROOT / c / CGROUP_PARENT).glob(f"{holder.pid}-*")]
    assert stale, "the killed grader's cgroups should be left behind for the next run to remove"
    remove_stale_cgroups()
    assert not any(d.exists() for d in stale)


def test_a_sealed_sample_cannot_be_read_traced_or_fed_by_other_code(tmp_path):
    """In a probe's sandbox a sealed sample runs execute-only: code beside it, as the same user, can
    neither read the binary, nor open the program's memory or its output pipe, nor trace it."""
    from grader import jobs
    settings = {"samples": ("latency-notify",), "sealed": ("latency-notify",)}
    probe = r"""
import ctypes, json, os, sys
from grader.probes import programs
name = sys.argv[1]
out = {}
with programs.Program(programs.binary(name), ("-load", "idle")) as prog:
    for label, path, mode in (("binary", str(programs.binary(name)), "rb"), ("mem", f"/proc/{prog.pid}/mem", "rb"),
                              ("stdout", f"/proc/{prog.pid}/fd/1", "wb")):
        try:
            open(path, mode).close()
            out[label] = "opened"
        except OSError as e:
            out[label] = e.errno
    libc = ctypes.CDLL(None, use_errno=True)
    out["ptrace"] = libc.ptrace(16, prog.pid, 0, 0) == 0 or ctypes.get_errno()  # PTRACE_ATTACH
print(json.dumps(out))
"""
    with slots.acquire() as slot:
        sb = Sandbox(slot=slot)
        build = tmp_path / "probe-build"
        jobs.seed_build(build, settings, sb, go=False, locked=True)
        name = jobs.sample_files(settings)["latency-notify"]
        result = sb.run([PY, "-I", "-c", probe, name], binds={build: "/build"}, chdir="/tmp",
                        env=jobs.inside_env(), wall=60)
    got = last_json(result)
    assert got == {"binary": 13, "mem": 13, "stdout": 13, "ptrace": 1}, got  # EACCES thrice, EPERM


def test_slots_are_unique_across_threads_and_processes_and_clear_strays():
    """Slots held at the same time, by two processes and three threads, are five different slots (each
    holder keeps its slot until all have one, so a slow start on a loaded machine cannot reuse one)."""
    held, lock, together = [], threading.Lock(), threading.Barrier(3)

    def hold():
        with slots.acquire() as n:
            with lock:
                held.append(n)
            together.wait(timeout=60)

    threads = [threading.Thread(target=hold) for _ in range(3)]
    code = "from grader import slots\nwith slots.acquire() as n:\n    print(n, flush=True)\n    input()"
    procs = [subprocess.Popen([PY, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
             for _ in range(2)]
    try:
        numbers = [int(p.stdout.readline()) for p in procs]  # both processes hold their slots now
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(set(numbers)) == 2 and not set(numbers) & set(held) and len(set(held)) == 3
    finally:
        for p in procs:
            p.communicate("\n")
    # a stray process of a slot's UID is killed by whoever takes the slot next
    with slots.acquire() as n:
        stray = subprocess.Popen(["setpriv", f"--reuid={slots.uid(n)}", f"--regid={slots.uid(n)}", "--clear-groups",
                                  "sleep", "300"])
        assert wait_until(lambda: slots.processes_of(slots.uid(n)), 5)
    with slots.acquire():
        pass
    try:
        assert stray.wait(timeout=5) == -signal.SIGKILL
    finally:
        stray.kill()
        stray.wait()


# ---------------------------------------------------------------- hostile submissions

def corpus():
    """{name: (header fields, cell source)} from tests/hostile/*.py."""
    out = {}
    for path in sorted(HOSTILE.glob("*.py")):
        text = path.read_text()
        header = {}
        for line in text.splitlines():
            if not line.startswith("# "):
                break
            key, sep, value = line[2:].partition(": ")
            if sep and key in ("Base", "Expect", "Reason", "Some reason", "Note", "Not in notes"):
                header.setdefault(key, []).append(value.strip())
        out[path.stem] = (header, text)
    return out


CORRUPT = {  # name: (bytes maker, reason every row must give)
    "corrupt_truncated": (lambda: notebook("blank").encode()[:3000], "not JSON"),
    "corrupt_nested": (lambda: b'{"cells": ' + b"[" * 200_000 + b"]" * 200_000 + b"}", "nested too deeply"),
    "corrupt_binary": (lambda: b"\xff\xfe\x00\x81" * 4096, "not JSON"),
    "corrupt_empty": (lambda: b"", "empty"),
    "corrupt_huge": (lambda: b'{"cells": [], "pad": "' + b"a" * (21 * MiB) + b'"}', "over the 20 MiB limit"),
    "corrupt_not_notebook": (lambda: b"[1, 2, 3]", "not a notebook"),
    "corrupt_invalid": (lambda: json.dumps({"cells": [{"cell_type": "code", "source": 42}], "metadata": {},
                                            "nbformat": 4, "nbformat_minor": 5}).encode(), "not a valid notebook"),
    "corrupt_other_lab": (lambda: notebook("blank").replace('"sigcamp_lab": "02-masks"', '"sigcamp_lab": "01-x"')
                          .encode(), "belongs to lab"),
}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """The whole corpus, the corrupt files, the solution and the blank release, graded in one run (3 at once)."""
    d = tmp_path_factory.mktemp("hostile")
    tcp, unix, abstract = host_listeners("sigcamp-hostile")
    cases = corpus()
    first = ["stubborn_loop", "fork_bomb", "memory_hog"]  # the longest first; the solution runs beside the bombs
    paths = [d / f"{n}.ipynb" for n in first[:2]] + [d / "solution.ipynb", d / f"{first[2]}.ipynb"]
    paths += [d / f"{n}.ipynb" for n in cases if n not in first]
    paths += [d / "blank.ipynb"] + [d / f"{n}.ipynb" for n in CORRUPT]
    for name, (header, source) in cases.items():
        source = source.replace("@@PORT@@", str(tcp.getsockname()[1])).replace("@@ABSTRACT@@", abstract)
        (d / f"{name}.ipynb").write_text(notebook(header["Base"][0], [source], trim=True))
    (d / "solution.ipynb").write_text(notebook("solution"))
    (d / "blank.ipynb").write_text(notebook("blank"))
    for name, (make, _) in CORRUPT.items():
        (d / f"{name}.ipynb").write_bytes(make())
    out = d / "out"
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    before = process_table()
    t0 = time.monotonic()
    try:
        code = commands.grade_all("02", paths, jobs=3, out=out, progress=False, timeout=45, cell_timeout=8)
        seconds = time.monotonic() - t0
        wait_until(lambda: not new_processes(before, [os.getpid()]), 3)
        left = new_processes(before, [os.getpid()]) + grading_processes([os.getpid()])
        connections = []
        for listener in (tcp, unix):
            try:
                connections.append(listener.accept())
            except BlockingIOError:
                pass
    finally:
        tcp.close()
        unix.close()
    return {"code": code, "out": out, "rows": by_student(read_rows(out)), "cases": cases, "left": left,
            "connections": connections, "seconds": seconds,
            "rss_growth": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss,
            "results": {r["student"]: r for r in json.loads((out / "results.json").read_text())}}


def test_hostile_run_finishes_without_grader_faults(hostile):
    assert hostile["code"] == 0
    assert hostile["seconds"] < 200, f"the hostile run took {hostile['seconds']:.0f} s"


@pytest.mark.parametrize("name", sorted(corpus()))
def test_hostile_submission_graded_as_promised(hostile, name):
    header, _ = hostile["cases"][name]
    rows, result = hostile["rows"][name], hostile["results"][name]
    got, total = sum(float(r["points"]) for r in rows), sum(float(r["max_points"]) for r in rows)
    expect = header["Expect"][0]
    summary = f"{name}: {[(r['check'], r['status'], r['message'][:100]) for r in rows]} notes={result['notes']}"
    if expect == "full":
        assert got == total > 0, summary
    elif expect == "zero":
        assert got == 0, summary
    elif expect.isdigit():
        assert got == float(expect), summary
    else:
        assert all(r["status"] == expect for r in rows), summary
    for reason in header.get("Reason", []):
        assert all(reason in r["message"] for r in rows), summary
    for reason in header.get("Some reason", []):
        assert any(reason in r["message"] for r in rows), summary
    for note in header.get("Note", []):
        assert any(note in n for n in result["notes"]), summary
    for text in header.get("Not in notes", []):
        assert not any(text in n for n in result["notes"]), summary


@pytest.mark.parametrize("name", sorted(CORRUPT))
def test_corrupt_file_is_an_error_with_a_reason(hostile, name):
    rows = hostile["rows"][name]
    assert rows and all(r["status"] == "error" and CORRUPT[name][1] in r["message"] for r in rows), rows


def test_solution_and_blank_keep_their_grades_beside_hostile_ones(hostile):
    for student, full in (("solution", True), ("blank", False)):
        rows = hostile["rows"][student]
        got, total = sum(float(r["points"]) for r in rows), sum(float(r["max_points"]) for r in rows)
        assert (got == total > 0) if full else got == 0, rows


def test_hostile_run_leaves_no_process_and_no_connection(hostile):
    assert hostile["left"] == [], "processes of the grading UIDs outlived the run"
    assert hostile["connections"] == [], "a sandbox reached a socket of the host"
    assert not list((CGROUP_ROOT / "pids" / CGROUP_PARENT).glob(f"{os.getpid()}-*")), "cgroups left behind"


def _encodings(mask):
    """Ways a notebook could hand back a hidden mask: as given, reversed, upper case, in decimal, as 0x..."""
    n = int(mask, 16)
    return {f for f in {mask, mask[::-1], mask.upper(), str(n), hex(n), mask.lstrip("0")} if len(f) >= 5}


def test_no_hidden_input_or_solution_reaches_the_feedback(hostile):
    """Neither the lab's hidden material (exact copies) nor its hidden masks in any encoding show in
    what students see, whatever echo_hidden and exfiltrate_encoded did with them."""
    pattern = redact._secrets(str(LAB.dir), redact._stamp(LAB))
    out = hostile["out"]
    texts = {p.name: p.read_text() for p in [out / "gradebook.csv", out / "results.json", out / "journal.jsonl",
                                             out / "feedback.html", *sorted((out / "feedback").glob("*.html"))]}
    for name, text in texts.items():
        m = pattern.search(text)
        assert m is None, f"{name} shows hidden material: {m.group(0)!r}"
    vectors = LAB.module().VECTORS
    for name, text in texts.items():
        # a whole token: a timestamp or a digest may hold the same digits by chance (84482 in 1765097584.4821)
        leaked = sorted({v for v in vectors for form in _encodings(v)
                         if re.search(rf"(?<![0-9A-Za-z]){re.escape(form)}(?![0-9A-Za-z])", text)})
        assert not leaked, f"{name} shows hidden masks (re-encoded): {leaked}"
    for who in ("echo_hidden", "exfiltrate_encoded"):
        hidden_checks = [r for r in hostile["rows"][who] if r["check"] in ("decodes_hidden_masks", "names_realtime_signals")]
        assert hidden_checks and all(r["status"] == "fail" for r in hidden_checks)


def test_output_flood_does_not_grow_the_grader(hostile):
    assert hostile["rss_growth"] < 200 * 1024, f"the grader grew by {hostile['rss_growth'] >> 10} MiB"
    executed = hostile["out"] / "executed" / LAB.name / "output_flood.ipynb"
    assert executed.is_file() and executed.stat().st_size < 2 * MiB


# ---------------------------------------------------------------- crash safety, Dask, determinism

@pytest.fixture(scope="module")
def regular(tmp_path_factory):
    """Six ordinary submissions and their gradebook from one uninterrupted run."""
    d = tmp_path_factory.mktemp("regular")
    (d / "subs").mkdir()
    for name, text in (("ada", notebook("solution")), ("bob", notebook("blank")), ("cy", partial_solution()),
                       ("dee", notebook("solution")), ("eve", "{ not json"),
                       ("fay", notebook("solution", ["import os\nos._exit(0)"]))):
        (d / "subs" / f"{name}.ipynb").write_text(text)
    subs = sorted(map(str, (d / "subs").glob("*.ipynb")))
    assert commands.grade_all("02", subs, jobs=2, out=d / "reference", progress=False) == 0
    return d, subs


def _files(out):
    return {name: (out / name).read_bytes() for name in ("gradebook.csv", "results.json")}


def test_regular_grades_are_right(regular):
    rows = by_student(read_rows(regular[0] / "reference"))
    points = {s: sum(float(r["points"]) for r in rs) for s, rs in rows.items()}
    assert points["ada"] == points["dee"] == 9 and points["bob"] == 0 and 0 < points["cy"] < 9
    assert points["eve"] == 0 and points["fay"] == 0


def test_kill_9_then_the_same_command_finishes_without_regrading(regular, tmp_path):
    d, subs = regular
    out = tmp_path / "out"
    cmd = [PY, "-m", "grader", "grade", "02", *subs, "--out", str(out), "--jobs", "1", "--no-progress"]
    journal = out / "journal.jsonl"

    def lines():
        return journal.read_text().count("\n") if journal.exists() else 0

    before = process_table()
    first = subprocess.Popen(cmd, cwd=toolchain.ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert wait_until(lambda: lines() >= 2, 120), "the grader never journaled two submissions"
        first.send_signal(signal.SIGKILL)
        first.communicate()
    finally:
        first.kill()
        first.wait()
    done = lines()
    assert 2 <= done < len(subs), "kill -9 came too late to test a resume"
    assert wait_until(lambda: not grading_processes([first.pid]), 5), "the killed grader's sandboxes survived"
    assert wait_until(lambda: not new_processes(before, [first.pid]), 5), new_processes(before, [first.pid])
    second = subprocess.run(cmd, cwd=toolchain.ROOT, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stderr
    assert f"graded {len(subs) - done} submission(s) of 02-masks, {done} already in the journal" in second.stdout
    entries = [json.loads(line) for line in journal.read_text().splitlines()]
    assert len(entries) == len(subs) == len({(e["student"], e["digest"]) for e in entries}), "something was regraded"
    assert _files(out) == _files(d / "reference")


def test_a_torn_journal_line_is_cut_off(tmp_path):
    from grader.gradebook import Journal
    from grader.grade import Graded, Row
    journal = Journal(tmp_path)
    one = Graded("ada", "02-masks", "d1", [Row("ada", "02-masks", "c", 1.0, 1.0, "pass")], lab_digest="x")
    journal.append(one)
    with open(journal.path, "a") as f:
        f.write('{"student": "bob", "lab": "02-mas')  # the grader was killed in the middle of a line
    assert [g.key for g in Journal(tmp_path).load()] == [one.key]
    two = Graded("cy", "02-masks", "d2", [], lab_digest="x")
    journal.append(two)
    assert [g.key for g in Journal(tmp_path).load()] == [one.key, two.key]


def test_a_dask_cluster_grades_the_same(regular, tmp_path):
    from multiprocessing import resource_tracker

    import dask
    from distributed import LocalCluster
    d, subs = regular
    try:
        with dask.config.set({"temporary-directory": str(tmp_path)}), \
                LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                             dashboard_address=None) as cluster:
            assert commands.grade_all("02", subs, out=tmp_path / "out", progress=False,
                                      scheduler=cluster.scheduler_address) == 0
    finally:
        resource_tracker._resource_tracker._stop()  # the worker processes' helper, started by multiprocessing
    assert _files(tmp_path / "out") == _files(d / "reference")


def test_the_same_submission_twice_gives_the_same_rows(regular, tmp_path):
    d, subs = regular
    twice = [s for s in subs if Path(s).stem in ("ada", "cy")]
    again = tmp_path / "again"
    assert commands.grade_all("02", twice, jobs=2, out=again, progress=False) == 0
    def rows(out):  # without identical_to: in the reference ada has a twin (dee), here she has none
        return {s: [{k: v for k, v in r.items() if k != "identical_to"} for r in rs]
                for s, rs in by_student(read_rows(out)).items() if s in ("ada", "cy")}
    assert rows(again) == rows(d / "reference")


def test_asts_are_built_safely_from_the_grading_threads():
    """Python 3.11 counts AST recursion per interpreter: a collection in one thread's parse that lets
    another thread parse used to fail a submission with "AST constructor recursion depth mismatch".
    A gc callback that yields the GIL makes that interleaving happen on every collection."""
    import gc

    from grader import harvest

    source = (LAB.dir / "checks.py").read_text()
    reply = {"status": "ok", "user_expressions": {"code": {"status": "ok", "data": {
        "text/plain": repr(json.dumps({"source": "x = 1\n", "pieces": [[[[i]]] for i in range(200)]}))}}}}
    errors = []

    def work():
        for _ in range(15):
            try:
                redact.check_constants(source)
                assert harvest.parse_reply(reply)[1] is None
            except Exception as e:  # noqa: BLE001 (collected and asserted below)
                errors.append(repr(e))

    def yield_gil(phase, info):
        if phase == "start":
            time.sleep(0)

    threshold = gc.get_threshold()
    gc.callbacks.append(yield_gil)
    gc.set_threshold(50)
    try:
        threads = [threading.Thread(target=work) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        gc.callbacks.remove(yield_gil)
        gc.set_threshold(*threshold)
    assert errors == []

"""The class's hub, live: JupyterHub on a free loopback port, three students, two of them at work.

Two students log in through the hub's login form and REST API, start their servers and run
chapter 1's first experiment (a real Ctrl+C on a PTY) in a kernel; each one's processes run as
their own UID, in their own PID namespace, under their own limits; neither can read the other's
home or signal the other's processes; the instructor collects, grades and returns one lab from
both homes through the grading service. Accounts made for the test carry a test-only prefix and
are deleted afterwards; everything is stopped by PID.
"""

import html
import json
import os
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import nbformat
import pytest

from grader import labs
from grader.grade import student_name
from sigcamp import lab as labmod
from sigcamp import procfs, toolchain
from sigcamp.hub import accounts, classlist, courseenv, limits, settings
from sigcamp.hub.__main__ import hub_command, prepare, stop, wait_ready
from sigcamp.hub.client import HubError

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the hub makes Unix accounts: run the tests as root")

LAB = "02-masks"
PASSWORDS = {"ada": "ada-secret-1", "张伟": "zhang-secret-2", "grace": "grace-secret-3", "liskov": "liskov-admin-4"}
MEMORY = 2 << 30
PIDS = 300


def _chapter1_first_experiment():
    """Chapter 1's code cells up to its first experiment (the first cell that runs a sample), the value that
    cell shows kept as `first`."""
    nb = nbformat.read(toolchain.ROOT / "notebooks" / "01-ctrl-c.ipynb", as_version=4)
    cells = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if "ctrl_c.once(" in cell.source or "sc.run(" in cell.source:
            *head, last = cell.source.rstrip().split("\n")
            return "\n".join(cells + head + [f"first = {last}"])
        cells.append(cell.source)
    raise AssertionError("chapter 1 runs no sample")


@pytest.fixture
def hub(tmp_path):
    courseenv.ensure(log=lambda *_: None)
    base = Path(f"/tmp/sigcamp-hub-test-{os.getpid()}")
    shutil.rmtree(base, ignore_errors=True)
    (base / "homes").mkdir(parents=True)
    os.chmod(base, 0o755)
    prefix = f"sct{os.getpid() % 0xffff:04x}-"
    class_csv = base / "class.csv"
    class_csv.write_text("name,login,role\nAda,ada,student\n张伟,张伟,student\nGrace,grace,student\n"
                         "Barbara Liskov,liskov,instructor\n", encoding="utf-8")
    ports = set()
    while len(ports) < 4:
        ports.add(labmod.free_port())
    port, hub_port, api_port, service_port = sorted(ports)
    s = settings.Settings(class_list=str(class_csv), state=str(base / "state"), port=port, hub_port=hub_port,
                          proxy_api_port=api_port, service_port=service_port, homes=str(base / "homes"),
                          user_prefix=prefix, memory=MEMORY, pids=PIDS, min_password=8)
    members = classlist.read(class_csv, prefix=prefix)
    proc = None
    try:
        _, saved = prepare(s, log=lambda *_: None)
        argv, env = hub_command(saved)
        log = open(tmp_path / "hub.log", "wb")
        proc = subprocess.Popen(argv, env=env, cwd=s.state, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        url = f"http://127.0.0.1:{port}"
        assert wait_ready(url, proc), f"the hub did not answer:\n{(tmp_path / 'hub.log').read_text()[-3000:]}"
        yield {"url": url, "settings": s, "members": {m.login: m for m in members}, "proc": proc, "base": base}
    finally:
        uids = [a.uid for m in members if (a := accounts.lookup(m.unix))]
        stop(proc, members, grace=90)
        procfs.kill_until_gone(lambda: [pid for pid, _, uid in procfs.live_processes() if uid in uids])
        for m in members:
            accounts.remove(m.unix, keep_home=False)
        shutil.rmtree(base, ignore_errors=True)


def _user(hub, login):
    from sigcamp.hub.client import HubUser
    return HubUser(hub["url"], login, PASSWORDS[login])


def _status_uid(pid):
    return int(procfs._status(Path(f"/proc/{pid}/status"))["Uid"].split()[0])


def _kernel_pid(unix):
    """The host PID of the (only) kernel in `unix`'s groups."""
    for pid in limits.members(unix):
        try:
            if b"ipykernel" in Path(f"/proc/{pid}/cmdline").read_bytes():
                return pid
        except OSError:
            continue
    raise AssertionError(f"no kernel among {unix}'s processes")


PROBE = """
import errno, json, os, signal, subprocess
from sigcamp import doctor, pid1
def _uid(p):
    try:
        return int([l for l in open(f'/proc/{p}/status') if l.startswith('Uid:')][0].split()[1])
    except OSError:
        return None
pids = [int(p) for p in os.listdir('/proc') if p.isdigit()]
facts = {"uid": os.getuid(), "how": first.data[ctrl_c.words.ENDED].iloc[0], "pids": pids,
         "uids": sorted({u for u in map(_uid, pids) if u is not None}),
         "ptrace": doctor.check_ptrace().ok,
         "strace": subprocess.run(["strace", "-f", "-o", "/dev/null", "true"]).returncode}
try:
    os.listdir(OTHER_HOME)
    facts["other_home"] = "listed"
except PermissionError:
    facts["other_home"] = "EACCES"
try:
    os.kill(OTHER_KERNEL, 0)
    facts["other_kernel"] = "reached"
except ProcessLookupError:
    facts["other_kernel"] = "ESRCH"
except PermissionError:
    facts["other_kernel"] = "EPERM"
row = pid1.run_pid1(pid1.entry("notify"), "ctrl-c")
facts["pid1"] = row[pid1.ENDED]
facts["pid1_is"] = row["PID 1 is"]
kids, err = [], None
try:
    for _ in range(2000):
        pid = os.fork()
        if pid == 0:
            signal.pause()
            os._exit(0)
        kids.append(pid)
except OSError as e:
    err = errno.errorcode[e.errno]
for k in kids:
    os.kill(k, signal.SIGKILL)
for k in kids:
    os.waitpid(k, 0)
facts["forks"], facts["fork_error"] = len(kids), err
hog = subprocess.run(["python", "-c", "b = bytearray(%d)" % (MEMORY + (1 << 30))])
facts["hog"] = hog.returncode
print("FACTS" + json.dumps(facts))
"""


def test_two_students_at_work_and_the_instructor_grades(hub):
    members = hub["members"]
    ada, zhang = _user(hub, "ada"), _user(hub, "张伟")
    for u in (ada, zhang):
        u.start_server()
    acc = {login: accounts.lookup(members[login].unix) for login in ("ada", "张伟")}
    assert acc["ada"].uid != acc["张伟"].uid
    kernels = {"ada": ada.kernel(), "张伟": zhang.kernel()}
    kpid = {login: _kernel_pid(members[login].unix) for login in kernels}
    for login, pid in kpid.items():  # the kernel runs as the student, in their own PID namespace
        assert _status_uid(pid) == acc[login].uid
        assert Path(f"/proc/{pid}/ns/pid").readlink() != Path("/proc/self/ns/pid").readlink()

    results, errors = {}, []
    experiment = _chapter1_first_experiment()

    def work(login, user, other):
        code = (experiment + f"\nOTHER_HOME = {str(acc[other].home)!r}\n"
                f"OTHER_KERNEL = {kpid[other]}\nMEMORY = {MEMORY}\n" + PROBE)
        try:
            results[login] = kernels[login].execute(code, timeout=400)
        except Exception as e:  # reported below, with the hub's log
            errors.append(f"{login}: {e}")

    threads = [threading.Thread(target=work, args=("ada", ada, "张伟")),
               threading.Thread(target=work, args=("张伟", zhang, "ada"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert sorted(results) == sorted(kernels), "each student's kernel ran the experiment"
    for login, out in results.items():
        assert out["error"] is None, (login, out)
        facts = json.loads(out["stdout"].rsplit("FACTS", 1)[1])
        assert facts["uid"] == acc[login].uid
        assert facts["how"] == "killed by SIGINT", facts  # chapter 1's first experiment, on the student's PTY
        # their /proc holds their own processes only: their UID, PID 1 being the namespace's init
        assert facts["uids"] == [acc[login].uid] and 1 in facts["pids"], facts
        assert kpid[login] not in facts["pids"] or _status_uid(kpid[login]) == acc[login].uid
        assert facts["ptrace"] and facts["strace"] == 0, facts
        assert facts["other_home"] == "EACCES", facts
        assert facts["other_kernel"] in ("ESRCH", "EPERM"), facts
        assert facts["pid1"] == "exit 130" or "130" in str(facts["pid1"]), facts
        assert facts["pid1_is"].endswith("1 inside"), facts
        assert facts["fork_error"] == "EAGAIN" and facts["forks"] < PIDS, facts  # bounded by pids.max
        assert facts["hog"] == -signal.SIGKILL, facts  # the memory hog, and only it, killed
    for login in kernels:  # every process of theirs but the root launcher runs as them; limits as set
        unix = members[login].unix
        procs = limits.members(unix)
        assert kpid[login] in procs
        assert {_status_uid(p) for p in procs} <= {0, acc[login].uid}
        assert sum(_status_uid(p) == 0 for p in procs) == 1  # the launcher outside the namespace
        assert limits.read_limits(unix) == (MEMORY, PIDS)
    # outside the namespaces too, the UIDs keep them apart: Ada cannot signal 张伟's kernel
    probe = subprocess.run(["/usr/bin/python3", "-c", f"import os, signal; os.kill({kpid['张伟']}, signal.SIGTERM)"],
                           user=acc["ada"].uid, group=acc["ada"].gid, extra_groups=[], capture_output=True,
                           text=True, cwd="/")
    assert "PermissionError" in probe.stderr
    assert Path(f"/proc/{kpid['张伟']}").exists()
    for k in kernels.values():
        k.shutdown()

    # the instructor: collect the lab from both homes, grade it, return the feedback
    source = toolchain.ROOT / "labs" / LAB / "source.ipynb"  # Ada hands in the worked lab, 张伟 the release
    subprocess.run(["cp", str(source), str(acc["ada"].home / "labs" / LAB / f"{LAB}.ipynb")], check=True,
                   user=acc["ada"].uid, group=acc["ada"].gid, extra_groups=[])
    chinese = nbformat.read(str(labs.find(LAB).release_notebook("zh")), as_version=4)  # 张伟 works in Chinese
    chinese.cells[-1].source = "还没想好。"
    subprocess.run(["/usr/bin/python3", "-c", "import sys; open(sys.argv[1], 'wb').write(sys.stdin.buffer.read())",
                    str(acc["张伟"].home / "labs" / LAB / "zh" / f"{LAB}.ipynb")],
                   input=nbformat.writes(chinese).encode(), check=True, user=acc["张伟"].uid, group=acc["张伟"].gid,
                   extra_groups=[])
    admin = _user(hub, "liskov")
    with pytest.raises(HubError, match="HTTP 403"):
        ada.service("POST", f"grading/api/collect/{LAB}")  # a student may not
    got = admin.service("POST", f"grading/api/collect/{LAB}")
    assert got["ok"], got
    grading = Path(hub["settings"].state) / "grading"
    collected = sorted((grading / "collected" / LAB).iterdir())[-1]
    assert sorted(p.name for p in collected.iterdir()) == sorted([members["ada"].name, members["张伟"].name])
    graded = admin.service("POST", f"grading/api/grade/{LAB}")
    assert graded["ok"], graded
    returned = admin.service("POST", f"grading/api/return/{LAB}")
    assert returned["ok"], returned
    points, lab = {}, labs.find(LAB)
    for login, (heading, colon) in {"ada": ("Feedback for {}", ": "), "张伟": ("{} 的反馈", "：")}.items():
        page = acc[login].home / "feedback.html"
        assert page.stat().st_uid == acc[login].uid
        text = page.read_text(encoding="utf-8")
        name = html.escape(student_name(collected / members[login].name / f'{LAB}.ipynb', lab))
        assert heading.format(name) in text  # 张伟's notebook was the Chinese one: so is the feedback
        head = text.split(f"<h2>{LAB}{colon}", 1)[1]
        points[login] = float(head.split(" / ", 1)[0])
    assert points["ada"] > points["张伟"], (grading / "grades" / "gradebook.csv").read_text(encoding="utf-8")
    for u in (ada, zhang):
        u.stop_server()
    for login in kernels:  # stopped: nothing of theirs runs any more
        deadline = time.monotonic() + 30
        while [p for p, _, uid in procfs.live_processes() if uid == acc[login].uid] and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not [p for p, _, uid in procfs.live_processes() if uid == acc[login].uid]
        assert not limits.members(members[login].unix)

"""Test set-up: default SIGINT, and a check after every test that it left no process behind."""

import os
import signal
import time
from pathlib import Path

import pytest

# A runner started with `&` by a non-interactive shell inherits SIGINT ignored;
# the programs the tests start must not (sigcamp resets it for them too).
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

# Every process the tests start inherits this mark, even one that escapes its
# process group or is re-parented to init, so a leak cannot hide.
MARK = f"SIGCAMP_TEST_RUN={os.getpid()}".encode()
os.environ["SIGCAMP_TEST_RUN"] = str(os.getpid())


def leftover_processes():
    """Live processes (zombies aside) carrying this test run's mark, except the runner itself."""
    left = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit() or int(d.name) == os.getpid():
            continue
        try:
            if MARK not in (d / "environ").read_bytes().split(b"\0"):
                continue
            stat = (d / "stat").read_text()
        except OSError:
            continue
        if stat.rsplit(")", 1)[1].split()[0] != "Z":
            left.append(f"{d.name} {stat[stat.index('(') + 1:stat.rindex(')')]}")
    return left


@pytest.fixture(autouse=True)
def no_leftover_processes():
    """Every test must reap what it started (with a short grace period for exits in flight)."""
    yield
    deadline = time.monotonic() + 3
    while (left := leftover_processes()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not left, f"processes left running after the test: {left}"


def pytest_collection_modifyitems(items):
    """The browser test runs last: it reads the chapter pages that test_notebooks.py writes."""
    items.sort(key=lambda item: item.nodeid.startswith("tests/test_browser.py"))

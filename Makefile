# The course's commands. Each target sets up what it needs first (scripts/setup).
PY := .venv/bin/python

.PHONY: setup course test lab doctor bench clean

setup:
	@scripts/setup

course: setup
	$(PY) -m sigcamp course

test: setup
	$(PY) -m pytest

lab: setup
	.venv/bin/jupyter lab notebooks

doctor: setup
	$(PY) -m sigcamp doctor

bench: setup
	$(PY) benchmarks/course_time.py

clean:
	rm -rf _build

# The course's commands. Each target sets up what it needs first (scripts/setup).
PY := .venv/bin/python
# GO=go1.27.3 (a release, fetched once) or GO=/path/to/go runs the course on that toolchain.
ifneq ($(GO),)
export SIGCAMP_GO := $(GO)
endif

.PHONY: setup course ledger test lab hub reset doctor bench clean

setup:
	@scripts/setup

# Both editions by default; EDITIONS=en or EDITIONS=zh builds one.
course: setup
	$(PY) -m sigcamp course $(if $(EDITIONS),--editions "$(EDITIONS)")

ledger: setup
	$(PY) -m sigcamp ledger

test: setup
	$(PY) -m pytest

# JupyterLab on workspace/ (your copies of the chapters and labs). make lab IP=0.0.0.0 PORT=9000
lab: setup
	$(PY) -m sigcamp lab $(if $(IP),--ip $(IP)) $(if $(PORT),--port $(PORT))

# JupyterHub for a class, as root: make hub CLASS=class.csv [IP=0.0.0.0] [PORT=8000] (README: the camp's hub)
hub: setup
	$(PY) -m sigcamp.hub serve $(if $(CLASS),--class-list $(CLASS)) $(if $(IP),--ip $(IP)) $(if $(PORT),--port $(PORT))

# Pristine copies of workspace files (all, or FILES=...); the replaced ones go to workspace/backups/
reset: setup
	$(PY) -m sigcamp reset $(FILES)

doctor: setup
	$(PY) -m sigcamp doctor

bench: setup
	$(PY) benchmarks/course_time.py

clean:
	rm -rf _build

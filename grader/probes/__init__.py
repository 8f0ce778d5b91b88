"""Trusted experiments that checks run on a student's work, each in a fresh sandbox (see grader.probe).

A probe is a function `module.function` of this package; it returns plain data. The
modules import only what their experiment needs: `masks` uses the standard library
alone, so that its sandbox can leave the course library out entirely.
"""

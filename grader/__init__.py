"""The sigcamp grader: release labs to students, grade their notebooks, keep a class's gradebook.

A submission's notebook runs in a sandbox, and all that comes back from it is its outputs,
its files and its code; every check scores what the grader itself sees when it runs that
code (or builds that program) in a fresh sandbox, on inputs and runs of its own.
"""

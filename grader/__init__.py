"""The sigcamp grader: release labs to students, grade their notebooks, write a gradebook.

Submissions run in a sandbox; the checks run afterwards in the grader's own
process on the evidence harvested from the run, never inside the student's kernel.
"""

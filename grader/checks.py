"""What a lab's checks.py is written against: the @check decorator and the evidence.

A check is a small function taking a Submission and asserting one thing a
student must show. It earns its points when it returns; an AssertionError is a
fail (its message is the feedback), any other exception is an error.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Check:
    name: str
    points: float
    fn: object
    public: bool = False
    doc: str = ""

    def __call__(self, submission):
        return self.fn(submission)


def check(*, points, public=False):
    """Mark a function as a check worth `points`; public checks also run in `grader check`."""
    def wrap(fn):
        doc = (fn.__doc__ or "").strip().splitlines()
        c = Check(fn.__name__, float(points), fn, public, doc[0] if doc else fn.__name__)
        return c
    return wrap


class AnswerMissing(AssertionError):
    """The notebook did not produce this answer (its cell failed, or the name is undefined)."""


@dataclass
class Submission:
    """Evidence from one executed submission, as the checks see it.

    answers: name -> plain JSON value harvested from the student's kernel (or
    absent, with the reason in answer_errors); workdir: the submission's files
    after the run; cell_errors: the errors its cells raised; evidence: what the
    checks attach for the feedback (transcripts, outputs).
    """

    student: str
    lab: str
    workdir: Path
    answers: dict = field(default_factory=dict)
    answer_errors: dict = field(default_factory=dict)
    cell_errors: list = field(default_factory=list)
    evidence: list = field(default_factory=list)
    sandbox: object = None  # a grader.sandbox.Sandbox for running the student's programs

    def answer(self, name):
        """The harvested value of `name`; AnswerMissing (a fail) if there is none."""
        if name in self.answers:
            return self.answers[name]
        raise AnswerMissing(f"no answer `{name}`: {self.answer_errors.get(name, 'it was not harvested')}")

    def file(self, relpath):
        """A file the submission holds after its run; AnswerMissing if it does not exist."""
        path = (self.workdir / relpath).resolve()
        if not path.is_relative_to(self.workdir.resolve()) or not path.is_file():
            raise AnswerMissing(f"the submission has no file {relpath}")
        return path

    def note(self, title, text):
        """Attach evidence shown in the student's feedback under this check."""
        self.evidence.append({"title": title, "text": str(text)[:20000]})


def load_answers(text):
    """Parse the harvest JSON defensively: {name: {"value": v} | {"error": str}} -> (answers, errors)."""
    answers, errors = {}, {}
    try:
        data = json.loads(text)
    except (ValueError, TypeError) as e:
        return {}, {"*": f"the answers could not be read ({e})"}
    if not isinstance(data, dict):
        return {}, {"*": "the answers were not a JSON object"}
    for name, item in data.items():
        if not isinstance(name, str) or not isinstance(item, dict):
            continue
        if "value" in item and set(item) == {"value"}:
            answers[name] = item["value"]
        else:
            errors[name] = str(item.get("error", "malformed answer"))[:500]
    return answers, errors

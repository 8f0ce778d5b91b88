"""What a lab's checks.py is written against: the @check decorator and the Submission.

A check is a small function taking a Submission and asserting one thing a student
must show. It earns its points when it returns; an AssertionError is a fail (its
message is the feedback), TimedOut a timeout, anything else an error. Its id is
the function's name (stable: the gradebook keys on it), and the first paragraph of its
docstring says what it checks in the student's words (the catalog carries it into other
languages: grader.catalog). A lab's MESSAGES are marked with N_() and said with phrases(),
in the language of the submission being graded.

What a check scores comes from running the student's code in a fresh sandbox
(sub.sandbox, grader.probes), never from values the student's kernel computed:
the kernel run gives only the notebook's outputs, its files and its code.
"""

from dataclasses import dataclass, field
from pathlib import Path

from sigcamp import i18n

from . import messages


@dataclass(frozen=True)
class Check:
    name: str
    points: float
    fn: object
    public: bool = False
    doc: str = ""

    def __call__(self, submission):
        return self.fn(submission)

    def description(self):
        """What the check checks, in the student's words and the language spoken here."""
        return i18n._(self.doc)


def description(docstring):
    """A check's description: the first paragraph of its docstring, on one line."""
    return " ".join((docstring or "").strip().split("\n\n")[0].split())


def check(*, points, public=False):
    """Mark a function as a check worth `points`; public checks also run in `grader check`."""
    def wrap(fn):
        return Check(fn.__name__, float(points), fn, public, description(fn.__doc__) or fn.__name__)
    return wrap


class AnswerMissing(AssertionError):
    """The submission lacks what a check needs (its code, a function, a file)."""


class TimedOut(AssertionError):
    """The student's code did not finish in time (the row's status is `timeout`)."""


def phrases(table):
    """say(key, **values): the lab's message `key` from `table` (marked with N_) with its values filled in,
    in the language spoken where it is said (the submission's, while it is graded)."""
    def say(key, **values):
        return i18n._(table[key]).format(**values)
    return say


@dataclass
class Submission:
    """What checks see of one executed submission.

    code: the module text grader.harvest collected (the functions the lab names, with
    what they use), or None with the reason in code_error; pieces: where each part of
    it came from in the notebook; missing: functions the notebook did not define, and
    why; code_notes: what the code uses that could not be carried to a fresh Python; violations: uses of modules the lab forbids ({module: [(line, text)]});
    cell_errors: the errors the notebook's cells raised; evidence: what checks attach
    for the feedback; sandbox: runs a grader.probes experiment; public_only: only the
    public checks run (`grader check`); samples: {course sample: its prebuilt file}.
    """

    student: str
    lab: str
    workdir: Path
    code: str | None = None
    code_error: str | None = None
    pieces: list = field(default_factory=list)
    missing: dict = field(default_factory=dict)
    code_notes: list = field(default_factory=list)
    violations: dict = field(default_factory=dict)
    cell_errors: list = field(default_factory=list)
    evidence: list = field(default_factory=list)
    sandbox: object = None
    public_only: bool = False
    samples: dict = field(default_factory=dict)
    _cache: dict = field(default_factory=dict, repr=False)

    def source(self, *names):
        """The collected code, once it holds every function of `names` and obeys the lab's rules;
        AnswerMissing (a fail) naming what is wrong otherwise."""
        if self.code is None:
            why = i18n.value(self.code_error) if self.code_error else messages.say("not_collected")
            raise AnswerMissing(messages.say("no_code", why=why))
        for name in names:
            if name in self.missing:
                raise AnswerMissing(messages.say("no_function", name=name, why=i18n.value(self.missing[name])))
        for module, uses in sorted(self.violations.items()):
            line, text = uses[0]
            raise AnswerMissing(messages.say("forbidden", module=module, text=text, where=self.where(line)))
        return self.code

    def once(self, key, make):
        """make() the first time `key` is asked for, its result (or its exception) after that."""
        if key not in self._cache:
            try:
                self._cache[key] = (True, make())
            except Exception as e:  # kept, so every check reports it without running the experiment again
                self._cache[key] = (False, e)
        ok, value = self._cache[key]
        if not ok:
            raise value
        return value

    def where(self, line):
        """'cell 3, line 4' for a line of the collected code (JupyterLab's numbering), or ''."""
        for piece in self.pieces:
            if line is not None and piece["start"] <= line < piece["start"] + piece["lines"]:
                cell, first = piece.get("cell"), piece.get("line")
                if cell is None:
                    return messages.say("at_piece", name=piece["name"])
                if first:
                    return messages.say("at_line", cell=cell, line=first + line - piece["start"])
                return messages.say("at_cell", cell=cell)
        return ""

    def answer(self, run, index, call, *, seconds):
        """The answer ({"value", "type"}) to call `index` of a grader.probes.pycode run, or a fail (a
        timeout) saying why there is none; `call` is how the message names the call."""
        if not run["loaded"]:
            raise AnswerMissing(messages.say("not_loaded", error=self.error_text(run["load_error"])))
        item = run["results"][index]
        if item.get("timeout"):
            raise TimedOut(messages.say("call_timeout", call=call, seconds=seconds))
        if "unreadable" in item:
            raise AssertionError(i18n.value(str(item["unreadable"])))
        if "error" in item:
            raise AssertionError(messages.say("raised", call=call, error=self.error_text(item["error"])))
        return item

    def error_text(self, error):
        """An error of the student's code ({type, message, line}) as 'ValueError: bad mask (cell 3, line 5)'."""
        text = str(error.get("type") or messages.say("an_error"))
        if error.get("message"):
            text += f": {error['message']}"
        where = self.where(error.get("line"))
        return messages.say("error_at", error=text, where=where) if where else text

    def file(self, relpath):
        """A file the submission holds after its run; AnswerMissing if it does not exist."""
        path = (self.workdir / relpath).resolve()
        if not path.is_relative_to(self.workdir.resolve()) or not path.is_file():
            raise AnswerMissing(messages.say("no_file", path=relpath))
        return path

    def note(self, title, text):
        """Attach evidence shown in the student's feedback under this check."""
        self.evidence.append({"title": title, "text": str(text)[:20000]})

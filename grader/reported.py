"""Texts the grader's sandboxed parts write about a student's work, in English.

They are made where no catalog is at hand: in the student's kernel (what grader.harvest
reports of code it cannot collect), in the runner (why a notebook did not run), in the
child Python that calls the student's functions (why an answer cannot be read).
grader.messages registers each as a pattern, so that where the grader shows one
(sigcamp.i18n.value) it is said, filled in, in the submission's language. Importing
this module costs nothing: the runner and the probes use it.
"""


def N_(message):
    """Mark `message` for the catalog (the same marker as sigcamp.i18n's, without importing the library)."""
    return message


# grader.harvest, in the student's kernel: why a function the lab names was not collected
NOT_DEFINED = N_("it is not defined")
NOT_A_FUNCTION = N_("it is a {kind}, not a function")
SOURCE_UNREADABLE = N_("its source could not be read ({error})")
NOT_CARRIED = N_("{name} (a {kind}), which could not be carried to a fresh Python ({error})")
# grader.harvest, in the runner: why the code did not come back
NO_REPLY = N_("the kernel sent no reply when asked for the notebook's code")
NOT_REPORTED = N_("the kernel could not report the notebook's code ({error})")
NO_EXPRESSION = N_("the kernel did not report the notebook's code")
NOT_COLLECTED = N_("the notebook's code could not be collected ({error})")
GARBLED = N_("the notebook's code came back garbled (did the notebook change IPython's display formatters?)")
TOO_LONG = N_("the notebook's code is over {limit} characters")
# grader.runner: why the notebook did not run to its end
KERNEL_DIED_COLLECTING = N_("the kernel died while the notebook's code was collected")
KERNEL_DIED = N_("the kernel died ({error})")
MESSAGES_BROKE = N_("the kernel's messages broke ({error}); did the notebook replace json or another module "
                    "the kernel needs to talk?")
INVALID = N_("not a valid notebook ({why})")
NO_CELLS = N_("not a notebook: it has no list of cells")
# grader.probes.pycode, in the child Python: why an answer cannot be read
UNREADABLE = N_("{call} returned {why}")
NOT_PLAIN = N_("a {kind}, which is not plain data (numbers, strings, lists, sets, dicts, a DataFrame)")
TOO_DEEP = N_("a value nested too deeply to read")
TOO_BIG = N_("a value too big to read")

TEXTS = {name: text for name, text in list(globals().items()) if name.isupper() and isinstance(text, str)}

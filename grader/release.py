"""Making the student release of a lab from its instructor notebook.

Solution code between `### BEGIN SOLUTION` and `### END SOLUTION` becomes a
stub, cells tagged `instructor` are dropped, outputs are cleared; the files
students need are copied beside the notebook. Each language the lab is translated
into gets the same in release/<lang>/: its notebook is the lab's edition in that
language (sigcamp.editions: the English code, the translated text), stripped the
same way. The result is deterministic.
"""

import re
import shutil

import nbformat

from sigcamp import editions, i18n
from sigcamp.i18n import N_

from .labs import LabError

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"  # code: the same in every language
TEXT_STUB = N_("YOUR ANSWER HERE")


def strip_solution(source, stub):
    """Replace each marked solution region (markers included) with `stub`, keeping its indentation."""
    lines, out, inside = source.splitlines(), [], False
    for line in lines:
        if line.strip() == BEGIN:
            inside = True
            indent = re.match(r"\s*", line).group(0)
            out += [indent + s for s in stub.splitlines()]
        elif line.strip() == END:
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"a `{BEGIN}` has no `{END}`")
    return "\n".join(out)


def student_notebook(source_nb, lab_name):
    """The release notebook node made from the instructor's (not modified in place)."""
    nb = nbformat.from_dict(source_nb)
    cells = []
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if "instructor" in tags:
            continue
        if "solution" in tags or BEGIN in cell.source:
            stub = CODE_STUB if cell.cell_type == "code" else i18n._(TEXT_STUB)
            cell.source = strip_solution(cell.source, stub) if BEGIN in cell.source else stub
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        cells.append(cell)
    nb.cells = cells
    nb.metadata["sigcamp_lab"] = lab_name
    return nb


def release(lab, dest=None):
    """Write the lab's student release (notebook + files) into dest (default: the lab's release/), and its
    release in each language it is translated into in dest/<lang>/; LabError (nothing written) when a
    translation is missing cells or older than the English."""
    dest = dest or lab.release_dir
    notebooks = {dest: student_notebook(nbformat.read(str(lab.source), as_version=4), lab.name)}
    for lang in lab.languages():
        try:
            edition = editions.build(lab.source, lang)
        except ValueError as e:
            raise LabError(f"{e}: translate them first (python -m sigcamp translate {lang} "
                           f"labs/{lab.name}/source.ipynb says what is left)") from None
        with i18n.speaking(lang):
            notebooks[dest / lang] = student_notebook(edition, lab.name)
    if dest.exists():
        shutil.rmtree(dest)
    for folder, nb in notebooks.items():
        folder.mkdir(parents=True)
        nbformat.write(nb, str(folder / lab.notebook_name))
        if lab.files.is_dir():
            shutil.copytree(lab.files, folder, dirs_exist_ok=True)
    return dest

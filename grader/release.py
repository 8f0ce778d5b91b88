"""Making the student release of a lab from its instructor notebook.

Solution code between `### BEGIN SOLUTION` and `### END SOLUTION` becomes a
stub, cells tagged `instructor` are dropped, outputs are cleared; the files
students need are copied beside the notebook. The result is deterministic.
"""

import re
import shutil

import nbformat

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
TEXT_STUB = "YOUR ANSWER HERE"


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
            stub = CODE_STUB if cell.cell_type == "code" else TEXT_STUB
            cell.source = strip_solution(cell.source, stub) if BEGIN in cell.source else stub
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        cells.append(cell)
    nb.cells = cells
    nb.metadata["sigcamp_lab"] = lab_name
    return nb


def release(lab, dest=None):
    """Write the lab's student release (notebook + files) into dest (default: the lab's release/)."""
    dest = dest or lab.release_dir
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    nb = student_notebook(nbformat.read(str(lab.source), as_version=4), lab.name)
    nbformat.write(nb, str(dest / lab.notebook_name))
    if lab.files.is_dir():
        shutil.copytree(lab.files, dest, dirs_exist_ok=True)
    return dest

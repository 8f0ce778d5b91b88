"""Language editions of a notebook, built from one source: the English notebook's code, translated prose.

A translation lives beside its notebook in a Markdown file (notebooks/zh/01-ctrl-c.md,
labs/02-masks/zh/source.md): one block per Markdown cell of the English notebook,
headed by a comment naming the cell's id and a fingerprint of the English text it
translates. Code cells are never translated: an edition copies them, in order, and
opens with one cell that sets the library's language. A block whose English cell
changed since it was translated is stale; `build(strict=True)` refuses stale or
missing blocks, so an edition cannot drift from its source.
"""

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

LANGUAGES = ("zh",)
BLOCK = re.compile(r"^<!-- cell (?P<id>[\w.-]+) · en (?P<fp>[0-9a-f]{8}) -->\n", re.M)
FIRST_CELL_ID = "edition-language"


def fingerprint(text):
    """8 hex digits that change when a Markdown cell's English text changes."""
    return hashlib.sha256(text.strip().encode()).hexdigest()[:8]


def translation_path(source, lang):
    """Where the `lang` translation of notebook `source` lives: <dir>/<lang>/<stem>.md."""
    source = Path(source)
    return source.parent / lang / f"{source.stem}.md"


@dataclass(frozen=True)
class Block:
    cell_id: str
    fp: str
    text: str


def read(path):
    """The blocks of a translation file, by cell id (ValueError naming a duplicate)."""
    text = Path(path).read_text(encoding="utf-8")
    heads = list(BLOCK.finditer(text))
    blocks = {}
    for head, nxt in zip(heads, heads[1:] + [None]):
        body = text[head.end():nxt.start() if nxt else len(text)].strip("\n")
        cid = head["id"]
        if cid in blocks:
            raise ValueError(f"{path}: cell {cid} is translated twice")
        blocks[cid] = Block(cid, head["fp"], body)
    return blocks


def write(path, blocks):
    """Write blocks (in order) as a translation file."""
    parts = [f"<!-- cell {b.cell_id} · en {b.fp} -->\n{b.text.strip()}\n" for b in blocks]
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text("\n".join(parts), encoding="utf-8")


@dataclass
class Problems:
    missing: list
    stale: list
    orphans: list

    def __bool__(self):
        return bool(self.missing or self.stale or self.orphans)

    def __str__(self):
        parts = []
        if self.missing:
            parts.append(f"untranslated cells: {', '.join(self.missing)}")
        if self.stale:
            parts.append(f"cells whose English changed since they were translated: {', '.join(self.stale)}")
        if self.orphans:
            parts.append(f"translations of cells the notebook no longer has: {', '.join(self.orphans)}")
        return "; ".join(parts)


def check(source, lang):
    """What keeps the `lang` edition of `source` from matching it: missing, stale and orphan blocks."""
    nb = nbformat.read(str(source), as_version=4)
    path = translation_path(source, lang)
    blocks = read(path) if path.exists() else {}
    missing, stale = [], []
    ids = set()
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        ids.add(cell.id)
        block = blocks.get(cell.id)
        if block is None:
            missing.append(cell.id)
        elif block.fp != fingerprint(cell.source):
            stale.append(cell.id)
    return Problems(missing, stale, sorted(set(blocks) - ids))


def build(source, lang, *, strict=True):
    """The `lang` edition of notebook `source` as a NotebookNode.

    strict: refuse missing or stale translations (ValueError saying which cells);
    otherwise a missing cell keeps its English text and a stale one its old translation.
    """
    if lang not in LANGUAGES:
        raise ValueError(f"no {lang!r} edition: editions exist for {', '.join(LANGUAGES)}")
    source = Path(source)
    problems = check(source, lang)
    if strict and problems:
        raise ValueError(f"{translation_path(source, lang)}: {problems}")
    path = translation_path(source, lang)
    blocks = read(path) if path.exists() else {}
    nb = nbformat.read(str(source), as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.id in blocks:
            cell.source = blocks[cell.id].text
    first = nbformat.v4.new_code_cell(f'import sigcamp\nsigcamp.set_language("{lang}")')
    first.id = FIRST_CELL_ID
    first.metadata["tags"] = ["edition-language"]
    nb.cells.insert(0, first)
    nb.metadata["language"] = lang
    return nb


def template(source, lang):
    """The blocks of a translation file for `source`, in the notebook's order: what is translated is kept
    (a stale block keeps its old fingerprint, so it stays reported until a translator updates it); a new
    Markdown cell comes with its English text for the translator to replace."""
    nb = nbformat.read(str(source), as_version=4)
    path = translation_path(source, lang)
    old = read(path) if path.exists() else {}
    blocks = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            blocks.append(old.get(cell.id) or Block(cell.id, fingerprint(cell.source), cell.source))
    return blocks

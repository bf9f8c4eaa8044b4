"""Module definition files in Omixer-RPM's text format, and their reader.

A module database is a flat text file of blocks, one block per module (Darzi et al. 2016, ISME J
10:1025; the format of the Omixer-RPM README and of the GMM and GBM files):

- the block's first line is ``ID<TAB>name``;
- each further line is one reaction step, in pathway order; tab-separated entries on a line are
  alternatives (any one suffices: OR), and comma-joined orthologs inside an entry are the subunits
  of one complex (all make the enzyme: AND);
- a line ``///`` ends the block.

Blank lines are ignored. Every problem raises a :class:`~gutbrain.errors.DataError` naming the
file, the line and the value.

Example
-------
>>> db = parse_modules("MF0003\\tpectin degradation I\\nK01051\\nK01184,K01213\\tK18650\\n///\\n")
>>> db.modules[0].steps
((('K01051',),), (('K01184', 'K01213'), ('K18650',)))
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from gutbrain.errors import DataError

__all__ = [
    "BUILTIN",
    "END",
    "Module",
    "ModuleSet",
    "builtin_modules_path",
    "parse_modules",
    "read_modules",
]

BUILTIN = "gutbrain"
"""The name that :func:`read_modules` takes for gutbrain's own openly licensed module set."""

END = "///"
"""The line that ends a module block."""

_ORTHOLOG = re.compile(r"^[A-Za-z0-9_.:\-]+$")  # KEGG K numbers, COG/EC-like custom ids

Alternative = tuple[str, ...]
"""The orthologs of one alternative: one ortholog, or the subunits of a complex."""


@dataclass(frozen=True)
class Module:
    """One module: its id, its name and its steps (each a tuple of alternatives)."""

    id: str
    name: str
    steps: tuple[tuple[Alternative, ...], ...]

    def __post_init__(self) -> None:
        if not self.steps:
            raise ValueError(f"module {self.id}: no reaction step")

    @property
    def orthologs(self) -> frozenset[str]:
        """Every ortholog named in any step."""
        return frozenset(ko for step in self.steps for alt in step for ko in alt)


@dataclass(frozen=True)
class ModuleSet:
    """The modules of one definition file, in file order; ``source`` names the file."""

    modules: tuple[Module, ...]
    source: str = "<text>"

    def __len__(self) -> int:
        return len(self.modules)

    @property
    def ids(self) -> tuple[str, ...]:
        """Module ids in file order."""
        return tuple(m.id for m in self.modules)

    def __repr__(self) -> str:
        return f"ModuleSet({len(self)} modules from {self.source!r})"


def builtin_modules_path() -> Path:
    """gutbrain's own module set (``omics/data/gutbrain_modules.txt``; sources per module and step
    in ``gutbrain_modules_sources.csv`` beside it)."""
    return Path(str(files("gutbrain.omics") / "data" / "gutbrain_modules.txt"))


def read_modules(path: str | Path) -> ModuleSet:
    """Read a module definition file (GMM, GBM, KEGG-style); :data:`BUILTIN` (``"gutbrain"``),
    when no such file exists, reads gutbrain's own set.

    Raises
    ------
    DataError
        The file cannot be read or is malformed; the message names file, line and value.
    """
    path = Path(path)
    if str(path) == BUILTIN and not path.exists():
        path = builtin_modules_path()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot read module definitions ({exc})") from exc
    return parse_modules(text, source=str(path))


def parse_modules(text: str, *, source: str = "<text>") -> ModuleSet:
    """Parse module definitions from ``text`` (see the module docstring for the format)."""
    modules: list[Module] = []
    seen: dict[str, int] = {}
    header: tuple[str, str, int] | None = None  # id, name, line
    steps: list[tuple[Alternative, ...]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\r\n")
        if not line.strip():
            continue
        where = f"{source}, line {number}"
        if line.strip() == END:
            if header is None:
                raise DataError(f"{where}: '{END}' without a module header before it")
            if not steps:
                raise DataError(f"{where}: module {header[0]} has no reaction step before '{END}'")
            modules.append(Module(header[0], header[1], tuple(steps)))
            header, steps = None, []
        elif header is None:
            module_id, name = _header(line, where)
            if module_id in seen:
                raise DataError(
                    f"{where}: module id {module_id!r} already defined on line {seen[module_id]}"
                )
            seen[module_id] = number
            header = (module_id, name, number)
        else:
            steps.append(_step(line, where))
    if header is not None:
        raise DataError(
            f"{source}, line {header[2]}: module {header[0]} is not closed by a '{END}' line"
        )
    if not modules:
        raise DataError(f"{source}: no module definition found (expected 'ID<TAB>name' blocks)")
    return ModuleSet(tuple(modules), source)


def _header(line: str, where: str) -> tuple[str, str]:
    module_id, sep, name = line.partition("\t")
    module_id = module_id.strip()
    if not sep or not module_id or not name.strip() or not _ORTHOLOG.match(module_id):
        raise DataError(f"{where}: {line!r} is not a module header 'ID<TAB>name'")
    return module_id, name.strip()


def _step(line: str, where: str) -> tuple[Alternative, ...]:
    alternatives = []
    for entry in line.split("\t"):
        entry = entry.strip()
        if not entry:
            continue  # a trailing or doubled tab
        subunits = tuple(ko.strip() for ko in entry.split(","))
        bad = [ko for ko in subunits if not _ORTHOLOG.match(ko)]
        if bad:
            raise DataError(
                f"{where}: {bad[0]!r} in {entry!r} is not an ortholog id (e.g. K00001); "
                "alternatives are tab-separated and complex subunits comma-joined"
            )
        alternatives.append(subunits)
    if not alternatives:
        raise DataError(f"{where}: empty reaction step {line!r}")
    return tuple(alternatives)

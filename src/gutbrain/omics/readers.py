"""One entry point for every omics table: :func:`read` picks the reader by the file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

from gutbrain.errors import DataError
from gutbrain.omics.biom import read_biom
from gutbrain.omics.h5 import read_h5ad
from gutbrain.omics.humann import read_humann
from gutbrain.omics.metaphlan import read_metaphlan
from gutbrain.omics.table import read_table

if TYPE_CHECKING:
    from anndata import AnnData

__all__ = ["Format", "detect", "read"]

Format = Literal["biom", "h5ad", "humann", "metaphlan", "table"]
_HDF5 = b"\x89HDF\r\n\x1a\n"


def detect(path: str | Path) -> Format:
    """The format of ``path``: by its suffix (``.biom``, ``.h5ad``), else by its first lines
    (HDF5, ``{`` or ``#OTU ID`` for BIOM; ``#mpa_v`` or ``#clade_name`` for MetaPhlAn; another
    ``#`` header for HUMAnN), else a plain table."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".biom", ".h5ad"):
        return "biom" if suffix == ".biom" else "h5ad"
    try:
        with path.open("rb") as f:
            head = f.read(512)
    except FileNotFoundError:
        raise DataError(f"{path}: no such file; expected an omics table") from None
    except OSError as err:
        raise DataError(f"{path}: cannot be read ({err.strerror})") from None
    first, _, rest = head.partition(b"\n")
    first = first.strip()
    if head.startswith(_HDF5) or first.startswith(b"{"):
        return "biom"
    if b"#OTU ID" in (first[:7], rest[:7]):  # BIOM's classic TSV (biom convert --to-tsv)
        return "biom"
    if first.startswith((b"#mpa_v", b"#clade_name")):
        return "metaphlan"
    if first.startswith(b"#"):
        return "humann"
    return "table"


def read(path: str | Path, format: Format | None = None) -> AnnData:
    """Read any supported omics table into an AnnData (obs = samples, var = features, layers
    ``counts`` and ``relative``); ``format`` overrides :func:`detect`. Readers' options (a
    long table, MetaPhlAn's rank, HUMAnN's strata) are on the readers themselves."""
    readers = {
        "biom": read_biom,
        "h5ad": read_h5ad,
        "humann": read_humann,
        "metaphlan": read_metaphlan,
        "table": read_table,
    }
    return readers[format or detect(path)](path)

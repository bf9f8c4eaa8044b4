"""Output folders written all at once: refuse a foreign ``out``, write beside it, swap into place.

Used by every layer that writes a folder (``gutbrain simulate``, ``gutbrain trial``, the report
commands), so it sits outside the layers: a failed run leaves nothing half-written, and an
existing ``out`` is replaced only once the new folder is complete.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from gutbrain.errors import DataError

__all__ = ["atomic_dir", "check_out", "check_parents", "swap_dir", "write_atomic"]


def check_out(out: Path, allowed: Sequence[str]) -> None:
    """Refuse an ``out`` that is a file or lies under one, or a folder holding anything but
    ``allowed`` files."""
    check_parents(out)
    if out.exists():
        if not out.is_dir():
            raise DataError(f"output {out}: exists and is not a folder")
        foreign = sorted(p.name for p in out.iterdir() if p.name not in allowed)
        if foreign:
            raise DataError(
                f"output {out}: folder holds other files ({', '.join(foreign[:3])}); "
                "choose an empty or new folder"
            )


def check_parents(out: Path) -> None:
    """Refuse an ``out`` whose nearest existing ancestor is a file, naming that file."""
    for parent in out.parents:
        if parent.exists():
            if not parent.is_dir():
                raise DataError(f"output {out}: {parent} is a file, not a folder")
            return


def swap_dir(tmp: Path, out: Path) -> None:
    """Put the complete folder ``tmp`` at ``out``. An existing ``out`` is first moved aside and
    deleted only once ``tmp`` is in place (put back if that fails), so there is no moment at
    which neither the old nor the new folder is at ``out``."""
    if not out.exists():
        tmp.rename(out)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
    old.rmdir()
    out.rename(old)
    try:
        tmp.rename(out)
    except BaseException:
        old.rename(out)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _replace_dir(tmp: Path, out: Path, allowed: Sequence[str]) -> None:
    if out.exists():
        check_out(out, allowed)
    swap_dir(tmp, out)


@contextmanager
def atomic_dir(out: Path, allowed: Sequence[str]) -> Iterator[Path]:
    """A temporary folder beside ``out`` to write into; on leaving the block without error it
    replaces ``out`` (checked again with :func:`check_out`), otherwise it is removed.

    Raises
    ------
    DataError
        ``out`` cannot be created or written.
    """
    check_parents(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
        tmp.chmod(0o755)  # mkdtemp makes it private; the output is an ordinary folder
    except OSError as exc:
        raise DataError(f"output {out}: cannot create ({exc.strerror or exc})") from exc
    try:
        yield tmp
        _replace_dir(tmp, out, allowed)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise DataError(f"output {out}: cannot write ({exc.strerror or exc})") from exc
    except BaseException:  # GutbrainError, KeyboardInterrupt: leave nothing half-written
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_atomic(out: Path, files: Mapping[str, str | bytes], allowed: Sequence[str]) -> None:
    """Write ``files`` (name -> text or bytes) into ``out`` all at once, or not at all
    (:func:`atomic_dir`)."""
    with atomic_dir(out, allowed) as tmp:
        for name, content in files.items():
            if isinstance(content, bytes):
                (tmp / name).write_bytes(content)
            else:
                (tmp / name).write_text(content, encoding="utf-8")

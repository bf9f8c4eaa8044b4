"""Output folders: one rule for every command, and folders written all at once.

Every command that writes a folder (``gutbrain simulate``, ``trial``, ``demo``, ``analyze``,
``nof1``, ``meta``, ``profile``) follows one rule, :func:`check_out`: a new or empty folder is
written; a non-empty one is refused unless ``--overwrite`` is given *and* the folder holds an
earlier output of the same command, known by the marker file :data:`MARKER` naming that command.
So a folder of other files, or another command's output, is never replaced.

Writing goes into a temporary folder beside ``out`` that is swapped into place once complete
(:func:`atomic_dir`, :func:`swap_dir`): a failed run leaves nothing half-written, and an existing
``out`` is replaced only once the new folder is complete. This sits outside the layers because
every layer that writes a folder uses it.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from gutbrain.errors import DataError

__all__ = [
    "MARKER",
    "atomic_dir",
    "check_out",
    "check_parents",
    "claim_dir",
    "mark",
    "swap_dir",
    "write_atomic",
    "written_by",
]

MARKER = ".gutbrain-output"
"""The file, in every output folder, that names the command which wrote it."""


def check_out(out: Path, command: str, *, overwrite: bool = False) -> None:
    """Refuse an ``out`` that ``gutbrain <command>`` may not write.

    Allowed: a new or empty folder, and, with ``overwrite``, a folder that an earlier run of the
    same command wrote (its :data:`MARKER` names ``command``). Refused: a file, a path under a
    file, any other non-empty folder; the message names ``--overwrite``.

    Raises
    ------
    DataError
        ``out`` may not be written.
    """
    check_parents(out)
    if not out.exists():
        return
    if not out.is_dir():
        raise DataError(f"output {out}: exists and is not a folder")
    held = sorted(p.name for p in out.iterdir())
    if not held:
        return
    if written_by(out) != command:
        names = [n for n in held if n != MARKER]
        shown = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
        raise DataError(
            f"output {out}: folder holds other files ({shown}), not an earlier gutbrain "
            f"{command} output; --overwrite replaces only such an output, so choose an empty or "
            "new folder"
        )
    if not overwrite:
        raise DataError(
            f"output {out}: holds an earlier gutbrain {command} output; pass --overwrite to "
            "replace it, or choose a new folder"
        )


def written_by(out: Path) -> str | None:
    """The command named by ``out``'s :data:`MARKER`, or None when there is none."""
    try:
        return (out / MARKER).read_text(encoding="utf-8").strip().removeprefix("gutbrain ")
    except (OSError, UnicodeDecodeError):
        return None


def mark(folder: Path, command: str) -> None:
    """Write ``folder``'s :data:`MARKER`: ``gutbrain <command>`` wrote it."""
    (folder / MARKER).write_text(f"gutbrain {command}\n", encoding="utf-8")


def claim_dir(out: Path, command: str, *, overwrite: bool = False) -> Path:
    """Check ``out`` (:func:`check_out`), create it and mark it as ``command``'s output, for a
    command that writes its pieces in place (``gutbrain demo``)."""
    check_out(out, command, overwrite=overwrite)
    try:
        out.mkdir(parents=True, exist_ok=True)
        mark(out, command)
    except OSError as exc:
        raise DataError(f"output {out}: cannot create ({exc.strerror or exc})") from exc
    return out


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


@contextmanager
def atomic_dir(out: Path, command: str, *, overwrite: bool = False) -> Iterator[Path]:
    """A temporary folder beside ``out`` to write into, marked as ``command``'s output; on
    leaving the block without error it replaces ``out`` (checked again with :func:`check_out`),
    otherwise it is removed.

    Raises
    ------
    DataError
        ``out`` may not be written (:func:`check_out`), or cannot be created or written.
    """
    check_parents(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
        tmp.chmod(0o755)  # mkdtemp makes it private; the output is an ordinary folder
    except OSError as exc:
        raise DataError(f"output {out}: cannot create ({exc.strerror or exc})") from exc
    try:
        mark(tmp, command)
        yield tmp
        check_out(out, command, overwrite=overwrite)  # files may have appeared meanwhile
        swap_dir(tmp, out)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise DataError(f"output {out}: cannot write ({exc.strerror or exc})") from exc
    except BaseException:  # GutbrainError, KeyboardInterrupt: leave nothing half-written
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_atomic(
    out: Path, files: Mapping[str, str | bytes], command: str, *, overwrite: bool = False
) -> None:
    """Write ``files`` (name -> text or bytes) into ``out`` all at once, or not at all
    (:func:`atomic_dir`)."""
    with atomic_dir(out, command, overwrite=overwrite) as tmp:
        for name, content in files.items():
            if isinstance(content, bytes):
                (tmp / name).write_bytes(content)
            else:
                (tmp / name).write_text(content, encoding="utf-8")

"""Writing a file so that a reader never sees half of it: write a hidden temporary file beside it,
flush it to disk, then rename it over the target (atomic on POSIX). An interrupted write leaves
at most a hidden ``.NAME.<hex>.tmp`` file, which run directories recognise as a leftover."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

#: Suffix of the temporary file of an unfinished write.
TEMPORARY_SUFFIX = ".tmp"


def fsync(path: Path) -> None:
    """Flush ``path`` (a file or a folder) to disk, where the file system allows it."""
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) if path.is_dir() else os.O_RDONLY
    descriptor = os.open(path, flags)
    try:
        os.fsync(descriptor)
    except OSError:  # pragma: no cover - some file systems cannot sync directories
        pass
    finally:
        os.close(descriptor)


def write_atomic(path: Path, write: Callable[[Path], Any]) -> None:
    """``write(temporary_path)``, then rename the temporary file to ``path`` (parents created)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.parent / f".{path.name}.{uuid.uuid4().hex}{TEMPORARY_SUFFIX}"
    try:
        write(temporary)
        fsync(temporary)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    write_atomic(path, lambda temporary: temporary.write_text(text, encoding="utf-8"))

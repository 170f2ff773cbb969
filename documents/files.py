"""Writing a file atomically: a reader sees the old file or the whole new one, never half a file.

Every file the project writes whole goes through here; tests/test_layers.py keeps other
modules from growing their own write-then-replace.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def _part(path: Path) -> Path:
    """The hidden file beside `path` that a write goes to before it takes `path`'s name."""
    return path.with_name(f".{path.name}.part")


def write_atomic(path: Path, data: bytes) -> Path:
    """Write `data` to `path` through a hidden `.<name>.part` beside it; an unchanged file is left alone.
    Returns `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not (path.exists() and path.read_bytes() == data):
        tmp = _part(path)
        tmp.write_bytes(data)
        os.replace(tmp, path)
    return path


def copy_atomic(src: Path, dst: Path) -> None:
    """Copy the file `src` to `dst` the same way, streamed (a document is never read whole into memory)."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = _part(dst)
    shutil.copyfile(src, tmp)
    os.replace(tmp, dst)

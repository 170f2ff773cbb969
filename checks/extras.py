"""Optional parts installed as extras (`assured[postgres]`, `[dask]`, `[risk]`): imported where first
needed, and when missing, one line that names what to install."""

from __future__ import annotations

import importlib
from types import ModuleType

from checks.errors import AssuredError, Kind


def require(module: str, extra: str, what: str) -> ModuleType:
    """Import `module`, which the `extra` provides; without it, `what` cannot run."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise AssuredError(
            f"{what} needs the '{extra}' extra: pip install 'assured[{extra}]'", kind=Kind.unavailable
        ) from None

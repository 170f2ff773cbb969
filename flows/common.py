"""What every flow shares: the registry for the current settings, and chunking."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from sqlalchemy.orm import Session, sessionmaker

from registry.db import open_registry
from registry.doctor import require_registry
from registry.settings import get_settings

T = TypeVar("T")


_READY: set[str] = set()  # registries this process has found ready (checked once each)


def registry() -> sessionmaker[Session]:
    """The registry of the current settings, refused with `assured doctor`'s line when it is missing
    or empty: a worker with the wrong settings fails instead of creating and screening an empty one."""
    settings = get_settings()
    if settings.db_url not in _READY:
        require_registry(settings)
        _READY.add(settings.db_url)
    return open_registry(settings.db_url)


def stages() -> tuple[str, ...]:
    return tuple(get_settings().review_stages)


def chunks(items: Sequence[T], parts: int, min_size: int = 1) -> list[list[T]]:
    """Split into at most `parts` contiguous chunks of at least `min_size` (never one per item)."""
    if not items:
        return []
    n = max(1, min(parts, len(items) // max(min_size, 1) or 1))
    size = -(-len(items) // n)
    return [list(items[i : i + size]) for i in range(0, len(items), size)]

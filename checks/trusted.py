"""Building frozen pydantic models from values that are valid by construction.

The batch path builds a million Evidence objects from rows the ingest already
validated; `model_construct` spends most of its time on alias and default handling
these models do not use. Every field must be given.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)
_set = object.__setattr__
_FIELDS: dict[type, frozenset[str]] = {}


def trusted(cls: type[M], **values: Any) -> M:
    """An instance of `cls` holding `values` as is (no validation, no defaults)."""
    fields = _FIELDS.get(cls)
    if fields is None:
        fields = _FIELDS[cls] = frozenset(cls.__pydantic_fields__)
    m = cls.__new__(cls)
    _set(m, "__dict__", values)
    _set(m, "__pydantic_fields_set__", fields)
    _set(m, "__pydantic_extra__", None)
    _set(m, "__pydantic_private__", None)
    return m

"""Batch validation of record rows: the same rules as a record's model, a chunk at a time.

A record model checks each row with Python callbacks (a USCC's check digits, a date's bounds,
an amount's ceiling, plain text, one date not before another). Called once per field per row
through pydantic they cost more than the rest of validation together. `BulkValidator` splits
them off:

- pydantic-core validates each row against a *structural* twin of the model: the same types,
  lengths, patterns, literals, defaults and configuration, without the `AfterValidator`s of its
  fields (top level, or inside an optional) and without its field validators;
- each `AfterValidator` then runs once per *distinct* value of its column in the chunk (such a
  validator sees only its value and the context; a business's USCC and a day recur on many
  rows), and each field validator once per row, outside pydantic;
- a row that any of these refuses (or whose value a validator would change) is validated again
  by the record model itself, row by row, so its rejection — field, value, reason — is exactly
  what the row-by-row path gives.

A row the twin and the checks accept is one the model accepts with the same values (the twin
has every other rule of the model), so the bulk path stores what the row-by-row path stores.
A model with validators of another kind (before/wrap field validators, model validators) has
no twin: its rows are validated by the model (`BulkValidator.exact` is False).
"""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Callable
from operator import attrgetter
from typing import Annotated, Any, cast

from pydantic import AfterValidator, ValidationError, create_model
from pydantic.fields import FieldInfo

from registry.records import Kind, Record

Check = Callable[[Any, Any], Any]


class _Info:
    """What a validator reads from pydantic's ValidationInfo: context, the row's data, the field."""

    __slots__ = ("context", "data", "field_name", "config", "mode")

    def __init__(self, context: dict | None, field_name: str):
        self.context, self.field_name, self.config, self.mode = context, field_name, None, "python"
        self.data: dict[str, Any] | None = None


def _two_arguments(func: Callable) -> bool:
    try:
        params = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):
        return True
    return (
        len([p for p in params if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]) >= 2
    )


def _call(func: Callable) -> Check:
    call = func if _two_arguments(func) else (lambda value, _info: func(value))
    if hasattr(func, "column_check") and call is not func:
        call.column_check = func.column_check  # type: ignore[attr-defined]
    return call


def _split(annotation: Any, metadata: list) -> tuple[Any, list, list[Check], bool] | None:
    """(annotation, metadata) without the after-validators, the validators, whether None is
    allowed; None when an after-validator sits deeper than we split (a list item, a nested model)."""
    checks = [_call(m.func) for m in metadata if isinstance(m, AfterValidator)]
    rest = [m for m in metadata if not isinstance(m, AfterValidator)]
    optional = False
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(annotation)
        inner = [a for a in args if a is not type(None)]
        if len(inner) == 1 and len(args) == 2 and typing.get_origin(inner[0]) is Annotated:
            base, *inner_meta = typing.get_args(inner[0])
            inner_checks = [_call(m.func) for m in inner_meta if isinstance(m, AfterValidator)]
            if inner_checks:
                kept = [m for m in inner_meta if not isinstance(m, AfterValidator)]
                stripped = Annotated[(base, *kept)] if kept else base
                annotation = stripped | None
                checks += inner_checks
                optional = True
    if _has_after_validator(annotation):
        return None
    return annotation, rest, checks, optional or type(None) in typing.get_args(annotation)


def _has_after_validator(annotation: Any) -> bool:
    if typing.get_origin(annotation) is Annotated:
        base, *meta = typing.get_args(annotation)
        return any(isinstance(m, AfterValidator) for m in meta) or _has_after_validator(base)
    if isinstance(annotation, type) and issubclass(annotation, Record):
        return bool(_BulkParts.of(annotation) is None)
    return any(_has_after_validator(a) for a in typing.get_args(annotation))


class _BulkParts:
    """A record model's structural twin and the checks split off it (None: the model has none)."""

    def __init__(
        self, twin: type[Record], columns: list[tuple[str, list[Check], bool, bool]], fields: list[tuple[str, Check]]
    ):
        self.twin, self.columns, self.fields = twin, columns, fields

    @staticmethod
    def of(model: type[Record]) -> _BulkParts | None:
        decorators = model.__pydantic_decorators__
        if decorators.model_validators or decorators.validators or decorators.root_validators:
            return None
        if any(d.info.mode != "after" for d in decorators.field_validators.values()):
            return None
        definitions: dict[str, Any] = {}
        columns: list[tuple[str, list[Check], bool, bool]] = []
        for name, f in model.model_fields.items():
            split = _split(f.annotation, list(f.metadata))
            if split is None:
                return None
            annotation, metadata, checks, optional = split
            info = FieldInfo.merge_field_infos(f)
            info.metadata = metadata
            info.annotation = annotation
            definitions[name] = (annotation, info)
            if checks:
                columns.append((name, checks, optional, not f.is_required()))
        fields = [(name, d.func) for d in decorators.field_validators.values() for name in d.info.fields if name != "*"]
        if any(d.info.fields == ("*",) for d in decorators.field_validators.values()):
            return None
        base: type[Record] = model.__mro__[1]
        twin = cast(type[Record], create_model(f"{model.__name__}Structure", __base__=base, **definitions))
        return _BulkParts(twin, columns, fields)


class BulkValidator:
    """Validates a chunk of rows of one kind; see the module's docstring."""

    def __init__(self, kind: Kind):
        self.kind = kind
        self.parts = _BulkParts.of(kind.record)

    @property
    def exact(self) -> bool:
        """True when rows are validated by the structural twin and the split-off checks."""
        return self.parts is not None

    def records(self, rows: list, context: dict) -> tuple[list[Record | None], set[int]]:
        """Each row's record (None when refused) and the positions to validate row by row."""
        assert self.parts is not None
        twin = self.parts.twin.__pydantic_validator__
        out: list[Record | None] = []
        again: set[int] = set()
        for i, row in enumerate(rows):
            try:
                if row.json_text is not None:
                    out.append(twin.validate_json(row.json_text, context=context))
                elif row.mapping is not None and "__cells__" not in row.mapping:
                    out.append(twin.validate_python(row.mapping, context=context))
                else:
                    raise ValueError("not a row of cells")
            except (ValidationError, ValueError):
                out.append(None)
                again.add(i)
        live = [(i, rec) for i, rec in enumerate(out) if rec is not None]
        for name, checks, optional, defaulted in self.parts.columns:
            self._column(live, again, name, checks, optional, defaulted, context)
        for name, check in self.parts.fields:
            info = _Info(context, name)
            for i, rec in live:
                if i in again or name not in rec.__pydantic_fields_set__:
                    continue
                value = rec.__dict__[name]
                info.data = rec.__dict__
                try:
                    kept = check(value, info)
                except (ValueError, AssertionError):
                    again.add(i)
                    continue
                if not _same(kept, value):
                    again.add(i)
        return out, again

    def _column(
        self,
        live: list[tuple[int, Record]],
        again: set[int],
        name: str,
        checks: list[Check],
        optional: bool,
        defaulted: bool,
        context: dict,
    ) -> None:
        """Run a field's after-validators over its column at once (`column_check`) or once per
        distinct value; mark the rows of a refused value. pydantic runs no validator on a
        default or, for an optional field, on None: neither do we."""
        info = _Info(context, name)
        if defaulted and not optional:
            live = [(i, rec) for i, rec in live if name in rec.__pydantic_fields_set__]
        values = list(map(attrgetter(name), (rec for _, rec in live)))
        present = [v for v in values if v is not None] if optional else values
        if all(getattr(c, "column_check", None) and c.column_check(present, context) for c in checks):  # type: ignore[attr-defined]
            return
        try:
            distinct = set(present)
        except TypeError:  # unhashable values: check each row
            again.update(i for (i, _), v in zip(live, values) if not self._passes(v, checks, info, optional))
            return
        refused = {v for v in distinct if not self._passes(v, checks, info, optional)}
        if refused:
            again.update(i for (i, _), v in zip(live, values) if v is not None and v in refused)

    @staticmethod
    def _passes(value: Any, checks: list[Check], info: _Info, optional: bool) -> bool:
        if value is None and optional:
            return True
        for check in checks:
            try:
                kept = check(value, info)
            except (ValueError, AssertionError):
                return False
            if not _same(kept, value):
                return False
        return True


def _same(kept: Any, value: Any) -> bool:
    return kept is value or (type(kept) is type(value) and kept == value)

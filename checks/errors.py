"""The one error type: every refusal or failure a person can act on is an `AssuredError`
with a `kind`; the CLI maps kinds to exit codes in one table."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar


class Kind(StrEnum):
    bad_input = "bad_input"  # a value, file or option that cannot be used as given
    refused = "refused"  # a rule forbids the step (review, status change, lint)
    not_found = "not_found"  # the application, certificate, reviewer … does not exist
    conflict = "conflict"  # it exists already, or was decided already
    unavailable = "unavailable"  # an outside source could not be read (after its retries)
    rate_limited = "rate_limited"  # asked too often; try again later
    too_large = "too_large"  # a file or body over its limit
    unsupported = "unsupported"  # a file of a type that is not taken


class AssuredError(Exception):
    """One line for a person to act on; `kind` is the class's, or the raise site's when given."""

    kind: ClassVar[Kind]

    def __init__(self, *args: object, kind: Kind | None = None):
        super().__init__(*args)
        if kind is not None:
            self.kind = kind  # type: ignore[misc]  # one class raised for several kinds

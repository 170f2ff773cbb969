"""Synthetic Hubei-like province: every record file of docs/architecture.md's table, streamed to disk.

`generate(out, Params(businesses, seed, as_of, format, bad_rows))` writes
`out/<kind>.jsonl` (or `.csv`) for registrations, penalties, complaints,
credit_listings, credit_classes, applications and the field kinds (inspections,
mystery_shops, ratings: registry/synth/field.py, their own random stream), plus `_manifest.json`
(parameters and row counts per file) and `_bad_rows.json`.

Formats. JSON Lines: one object a line, UTF-8 (Chinese unescaped), fields in
the order of docs/architecture.md, dates `YYYY-MM-DD`, null as JSON null. CSV: a header row
with the same columns; null is an empty cell; list and object fields (`kinds`,
`commitments`) are compact JSON text, e.g. `["fine","confiscation"]`, which a
reader decodes when a list/object-typed cell starts with `[` or `{`.

Determinism. The same arguments give the same bytes: one `random.Random(seed)`
stream drives the records in a fixed order, and each file's bad rows come from
its own stream, so `--bad-rows` replaces rows without shifting the good ones.

Memory. Records are written as each business is drawn; nothing is kept across
businesses except a counter per penalty-decision prefix (a few hundred), and
the line numbers of bad rows (9 bytes each) for the sidecar.

Calibration (the reference figures in docs/domain.md):
- complaints: about 3 rows a business, skewed by size (log-normal) and
  industry; most businesses have 0-2, a few hundreds. Kinds complaint 70 %,
  report 8 %, consultation 22 %.
- ODR-enrolled businesses (about 4 %, mostly enterprises) reconcile 92.78 % of
  the complaints and reports they receive while enrolled, counting every status
  except not_accepted in the denominator (consultations are not complaints).
  Each enrolled business has its own rate within ±3 points of that figure.
- penalties about 0.3, credit listings about 0.2 a business; credit classes
  1-4 monthly classifications a business, mostly A and B; applications for
  about 2 % of businesses (some commit below the bar: return_days 3 or 5, or
  not displayed). `commitments` also carries the bonus items
  `returns_any_branch` and `refund_within_48h`; `return_days` and
  `return_scope` are null when a model-unit applicant makes no return promise.

Bad rows. `bad_rows` = f replaces every (1/f)-th row of each file (with a
random phase per file) by a row that fails validation: a wrong USCC check
digit, an unknown enum value, a malformed date, a missing required field, a
negative amount, dates in the wrong order (closed_on before received_on and
the like), or a line that is not JSON (in CSV: too few cells). `_bad_rows.json`
maps each kind to `[{"line", "fault", "field"}, ...]`; lines are 1-based
physical lines (a CSV's header is line 1).
"""

from registry.synth.writer import FORMATS, GenerateError, Params, generate

__all__ = ["FORMATS", "GenerateError", "Params", "generate"]

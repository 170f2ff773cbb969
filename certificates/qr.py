"""QR code modules as horizontal runs, ready to draw as rectangles.

segno computes the matrix; reportlab's own QR widget manages ~90 codes a second. The mask is
fixed: any of the eight masks decodes, and evaluating all eight is most of segno's time.
"""
from __future__ import annotations

from functools import lru_cache

QR_MASK = 2


@lru_cache(maxsize=1024)
def qr_runs(text: str) -> tuple[int, tuple[tuple[int, int, int], ...]]:
    """(modules per side, ((row, first column, length), ...)) of the dark modules."""
    import segno

    code = segno.make(text, error="m", micro=False, mask=QR_MASK, boost_error=False)
    runs = []
    for row, line in enumerate(code.matrix):
        start = None
        for col, dark in enumerate(line):
            if dark and start is None:
                start = col
            elif not dark and start is not None:
                runs.append((row, start, col - start))
                start = None
        if start is not None:
            runs.append((row, start, len(line) - start))
    return len(code.matrix), tuple(runs)

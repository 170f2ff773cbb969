"""QR codes (ISO/IEC 18004) for verification URLs: byte mode, error correction level M, a fixed mask.

A certificate needs one QR code, and a general encoder dominates the cost of a certificate:
segno spends ~3 ms per code in pure Python, reportlab's widget ~11 ms. This encoder does only
what a URL needs and caches everything that does not depend on the data (function patterns,
format and version information, the placement order of data modules with their mask bits),
so per code it only computes the Reed-Solomon blocks and places the masked data bits with one
gather (`operator.itemgetter` over a precomputed index per module). Its output is
the same matrix as segno's for the same version, level and mask (tested).
Any of the eight masks decodes; evaluating all eight would double the work.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from operator import itemgetter

from checks.errors import AssuredError, Kind

MASK = 2
# version -> (EC codewords per block, ((blocks, data codewords per block), ...)) at level M
BLOCKS_M = {
    1: (10, ((1, 16),)),
    2: (16, ((1, 28),)),
    3: (26, ((1, 44),)),
    4: (18, ((2, 32),)),
    5: (24, ((2, 43),)),
    6: (16, ((4, 27),)),
    7: (18, ((4, 31),)),
    8: (22, ((2, 38), (2, 39))),
    9: (22, ((3, 36), (2, 37))),
    10: (26, ((4, 43), (1, 44))),
}
ALIGNMENT = {
    1: (),
    2: (6, 18),
    3: (6, 22),
    4: (6, 26),
    5: (6, 30),
    6: (6, 34),
    7: (6, 22, 38),
    8: (6, 24, 42),
    9: (6, 26, 46),
    10: (6, 28, 50),
}
FORMAT_BITS_M = 0  # level bits: L=1, M=0, Q=3, H=2

EXP = [0] * 512
LOG = [0] * 256
_x = 1
for _i in range(255):
    EXP[_i] = _x
    LOG[_x] = _i
    _x <<= 1
    if _x & 0x100:
        _x ^= 0x11D
for _i in range(255, 512):
    EXP[_i] = EXP[_i - 255]


class QrError(AssuredError, ValueError):
    kind = Kind.bad_input


def _mul(a: int, b: int) -> int:
    return EXP[LOG[a] + LOG[b]] if a and b else 0


@cache
def _divisor(degree: int) -> tuple[int, ...]:
    result = [0] * (degree - 1) + [1]
    root = 1
    for _ in range(degree):
        for j in range(degree):
            result[j] = _mul(result[j], root)
            if j + 1 < degree:
                result[j] ^= result[j + 1]
        root = _mul(root, 2)
    return tuple(result)


def _ecc(data: list[int], degree: int) -> list[int]:
    divisor_logs = [LOG[c] for c in _divisor(degree)]  # the generator has no zero coefficient
    result = [0] * degree
    for b in data:
        factor = b ^ result.pop(0)
        result.append(0)
        if factor:
            lf = LOG[factor]
            for i, lc in enumerate(divisor_logs):
                result[i] ^= EXP[lf + lc]
    return result


def _data_capacity(version: int) -> int:
    _, groups = BLOCKS_M[version]
    return sum(n * k for n, k in groups)


def _version_for(length: int) -> int:
    for version in BLOCKS_M:
        count_bits = 8 if version < 10 else 16
        if 4 + count_bits + 8 * length <= _data_capacity(version) * 8:
            return version
    raise QrError(f"{length} bytes do not fit a version 1-10 QR code at level M")


def data_codewords(payload: bytes, version: int) -> list[int]:
    """Mode indicator, count, bytes, terminator, pad bits and pad codewords (ISO/IEC 18004 7.4)."""
    count_bits = 8 if version < 10 else 16
    capacity = _data_capacity(version)
    bits = "0100" + format(len(payload), f"0{count_bits}b") + "".join(f"{b:08b}" for b in payload)
    bits += "0" * min(4, capacity * 8 - len(bits))
    bits += "0" * (-len(bits) % 8)
    data = [int(bits[i : i + 8], 2) for i in range(0, len(bits), 8)]
    return data + [0xEC, 0x11] * ((capacity - len(data)) // 2) + [0xEC] * ((capacity - len(data)) % 2)


def with_ecc(data: list[int], version: int) -> list[int]:
    """Split into blocks, add Reed-Solomon codewords, interleave."""
    degree, groups = BLOCKS_M[version]
    blocks, at = [], 0
    for count, size in groups:
        for _ in range(count):
            blocks.append(data[at : at + size])
            at += size
    eccs = [_ecc(b, degree) for b in blocks]
    out = [b[i] for i in range(max(map(len, blocks))) for b in blocks if i < len(b)]
    return out + [e[i] for i in range(degree) for e in eccs]


def _mask_bit(mask: int, r: int, c: int) -> int:
    return int(
        [
            (r + c) % 2 == 0,
            r % 2 == 0,
            c % 3 == 0,
            (r + c) % 3 == 0,
            (r // 2 + c // 3) % 2 == 0,
            (r * c) % 2 + (r * c) % 3 == 0,
            ((r * c) % 2 + (r * c) % 3) % 2 == 0,
            ((r + c) % 2 + (r * c) % 3) % 2 == 0,
        ][mask]
    )


@cache
def _template(version: int, mask: int):
    """(function modules with format/version info, data positions in placement order, their mask bits)."""
    size = 17 + 4 * version
    grid = [[0] * size for _ in range(size)]
    fixed = [[False] * size for _ in range(size)]

    def put(r: int, c: int, dark) -> None:
        grid[r][c] = int(bool(dark))
        fixed[r][c] = True

    for i in range(size):
        put(6, i, i % 2 == 0)
        put(i, 6, i % 2 == 0)
    for cr, cc in ((3, 3), (3, size - 4), (size - 4, 3)):
        for dr in range(-4, 5):
            for dc in range(-4, 5):
                if 0 <= cr + dr < size and 0 <= cc + dc < size:
                    put(cr + dr, cc + dc, max(abs(dr), abs(dc)) not in (2, 4))
    centres = ALIGNMENT[version]
    last = len(centres) - 1
    for i, cr in enumerate(centres):
        for j, cc in enumerate(centres):
            if (i, j) in ((0, 0), (0, last), (last, 0)):
                continue
            for dr in range(-2, 3):
                for dc in range(-2, 3):
                    put(cr + dr, cc + dc, max(abs(dr), abs(dc)) != 1)
    data = FORMAT_BITS_M << 3 | mask
    rem = data
    for _ in range(10):
        rem = (rem << 1) ^ ((rem >> 9) * 0x537)
    fmt = (data << 10 | rem) ^ 0x5412

    def fbit(i: int) -> int:
        return (fmt >> i) & 1

    for i in range(6):
        put(i, 8, fbit(i))
    put(7, 8, fbit(6))
    put(8, 8, fbit(7))
    put(8, 7, fbit(8))
    for i in range(9, 15):
        put(8, 14 - i, fbit(i))
    for i in range(8):
        put(8, size - 1 - i, fbit(i))
    for i in range(8, 15):
        put(size - 15 + i, 8, fbit(i))
    put(size - 8, 8, 1)
    if version >= 7:
        rem = version
        for _ in range(12):
            rem = (rem << 1) ^ ((rem >> 11) * 0x1F25)
        vbits = version << 12 | rem
        for i in range(18):
            bit = (vbits >> i) & 1
            a, b = size - 11 + i % 3, i // 3
            put(b, a, bit)
            put(a, b, bit)
    positions = []
    right = size - 1
    while right >= 1:
        if right == 6:
            right = 5
        for vert in range(size):
            for j in range(2):
                c = right - j
                r = size - 1 - vert if ((right + 1) & 2) == 0 else vert
                if not fixed[r][c]:
                    positions.append((r, c))
        right -= 2
    masks = tuple(_mask_bit(mask, r, c) for r, c in positions)
    return tuple(map(tuple, grid)), tuple(positions), masks


@cache
def _placement(version: int, mask: int) -> tuple[Callable[[str], tuple[str, ...]], int, int]:
    """The placement as one gather: (picker, mask as an integer, number of data modules).

    `picker(masked bits + fixed modules + "\\n")` yields the matrix as rows of "0"/"1" separated by
    newlines: each cell picks its data bit or its fixed module, and each row ends with the newline."""
    base, positions, masks = _template(version, mask)
    size, count = len(base), len(positions)
    source = [count + r * size + c for r in range(size) for c in range(size)]
    for i, (r, c) in enumerate(positions):
        source[r * size + c] = i
    newline = count + size * size
    rows = [index for r in range(size) for index in (*source[r * size : (r + 1) * size], newline)]
    return itemgetter(*rows), int("".join(map(str, masks)), 2), count


def _rows(codewords: list[int], version: int) -> str:
    """The masked matrix as rows of "0"/"1" characters, each row ending in a newline."""
    picker, mask_bits, count = _placement(version, MASK)
    bits = int.from_bytes(bytes(codewords), "big") << (count - 8 * len(codewords))  # remainder bits 0
    fixed = _fixed_modules(version)
    return "".join(picker(format(bits ^ mask_bits, f"0{count}b") + fixed))


@cache
def _fixed_modules(version: int) -> str:
    return "".join(str(v) for row in _template(version, MASK)[0] for v in row) + "\n"


def qr_matrix(text: str) -> list[list[int]]:
    """Rows of 0/1 modules (no quiet zone)."""
    payload = text.encode("utf-8")
    version = _version_for(len(payload))
    return fill(with_ecc(data_codewords(payload, version), version), version)


def fill(codewords: list[int], version: int) -> list[list[int]]:
    """Place the codewords into the version's template and apply the mask."""
    return [list(map(int, row)) for row in _rows(codewords, version).splitlines()]


def qr_image_mask(text: str) -> tuple[int, str]:
    """(modules per side, the dark modules as hexadecimal rows of bits, first row on top, each row
    padded to whole bytes): the data of a 1-bit image mask (`/IM true /BPC 1 /D [1 0] /F /AHx`),
    so a page draws its QR code as one small inline image instead of hundreds of rectangles."""
    payload = text.encode("utf-8")
    version = _version_for(len(payload))
    size = 17 + 4 * version
    pad = "0" * (-size % 8)
    digits = (size + len(pad)) // 4
    rows = _rows(with_ecc(data_codewords(payload, version), version), version).split()
    return size, "".join(format(int(row + pad, 2), f"0{digits}x") for row in rows)

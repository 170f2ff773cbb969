"""The QR encoder against segno: same function patterns, format and version information, error
correction and placement; and the data codewords decode back to the text."""

from __future__ import annotations

import random

import pytest
import segno

from documents import qr


def segno_matrix(text: str) -> list[list[int]]:
    code = segno.make(text, error="m", micro=False, mask=qr.MASK, boost_error=False, mode="byte")
    return [list(row) for row in code.matrix]


def codewords_in(matrix: list[list[int]], version: int) -> list[int]:
    _, positions, masks = qr._template(version, qr.MASK)
    bits = "".join(str(matrix[r][c] ^ m) for (r, c), m in zip(positions, masks))
    return [int(bits[i : i + 8], 2) for i in range(0, len(bits) - len(bits) % 8, 8)]


def deinterleave_data(codewords: list[int], version: int) -> list[int]:
    _, groups = qr.BLOCKS_M[version]
    sizes = [size for count, size in groups for _ in range(count)]
    blocks: list[list[int]] = [[] for _ in sizes]
    it = iter(codewords)
    for i in range(max(sizes)):
        for b, size in enumerate(sizes):
            if i < size:
                blocks[b].append(next(it))
    return [cw for block in blocks for cw in block]


def texts():
    rng = random.Random(7)
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789:/.-_"
    for length in [1, 2, 14, 15, 16, 26, 27, 42, 43, 60, 61, 62, 84, 85, 106, 107, 122, 123, 152, 153, 180, 181, 213]:
        yield "".join(rng.choice(alphabet) for _ in range(length))


@pytest.mark.parametrize("text", list(texts()), ids=lambda t: f"{len(t)}B")
def test_error_correction_and_placement_match_segno(text):
    reference = segno_matrix(text)
    version = (len(reference) - 17) // 4
    assert version == qr._version_for(len(text))
    # segno pads one more zero byte after the terminator than the minimum; decoders ignore data
    # after the terminator, so both are valid: compare from segno's own data codewords onwards.
    data = deinterleave_data(codewords_in(reference, version), version)[: qr._data_capacity(version)]
    assert qr.fill(qr.with_ecc(data, version), version) == reference


@pytest.mark.parametrize("text", ["https://verify.example.gov.cn/verify/HB-FX-2026-420100-000123", "中文网址"])
def test_the_data_codewords_decode_back_to_the_text(text):
    payload = text.encode()
    version = qr._version_for(len(payload))
    matrix = qr.qr_matrix(text)
    data = deinterleave_data(codewords_in(matrix, version), version)
    bits = "".join(f"{cw:08b}" for cw in data)
    count_bits = 8 if version < 10 else 16
    assert bits[:4] == "0100" and int(bits[4 : 4 + count_bits], 2) == len(payload)
    body = bits[4 + count_bits : 4 + count_bits + 8 * len(payload)]
    assert bytes(int(body[i : i + 8], 2) for i in range(0, len(body), 8)) == payload


def test_a_text_longer_than_version_10_is_refused():
    with pytest.raises(qr.QrError, match="214 bytes"):
        qr.qr_matrix("x" * 214)

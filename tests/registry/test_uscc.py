"""USCC (GB 32100-2015) validation: what passes, what fails, and the position named."""

import random

import pytest

from checks.uscc import ALPHABET, UsccError, check_digit, make_uscc, org_check_digit, validate_uscc

ORG_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def random_codes(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    regions = ["420100", "420102", "420500", "422800", "110105", "310115"]
    return [
        make_uscc(rng.choice(regions), "".join(rng.choice(ORG_ALPHABET) for _ in range(8)), "9", rng.choice("123"))
        for _ in range(n)
    ]


def test_a_code_built_by_the_algorithm_passes():
    for code in random_codes(500):
        assert validate_uscc(code) == code


def test_the_organisation_check_digit_follows_gb_11714():
    # Worked example: body D2143569 -> weights 3,7,9,10,5,8,4,2 -> sum 13*3+2*7+1*9+4*10+3*5+5*8+6*4+9*2 = 199
    # 199 mod 11 = 1 -> 11 - 1 = 10 -> 'X'
    assert org_check_digit("D2143569") == "X"


def test_the_check_digit_uses_weights_3_to_the_power_i_mod_31():
    first17 = "91420100MA4K00002"
    total = sum(ALPHABET.index(c) * pow(3, i, 31) for i, c in enumerate(first17))
    assert check_digit(first17) == ALPHABET[(31 - total % 31) % 31]


@pytest.mark.parametrize("code", random_codes(25, seed=11))
def test_every_single_character_corruption_fails_and_names_a_position(code):
    for pos in range(1, 19):
        for ch in ALPHABET:
            if ch == code[pos - 1]:
                continue
            bad = code[: pos - 1] + ch + code[pos:]
            with pytest.raises(UsccError) as info:
                validate_uscc(bad)
            # The failing check is at the corrupted position (the province code counts as
            # one field at positions 3-4), or at the check digit that covers it.
            field = {3, 4} if pos in (3, 4) else {pos}
            assert info.value.position in field | {17, 18}, (bad, info.value)
            assert f"position {info.value.position}" in str(info.value)


@pytest.mark.parametrize("letter", list("IOSVZ"))
def test_a_forbidden_letter_is_named_with_its_position(letter):
    code = random_codes(1)[0]
    bad = code[:10] + letter + code[11:]
    with pytest.raises(UsccError, match=f"position 11: letter '{letter}' never occurs"):
        validate_uscc(bad)


@pytest.mark.parametrize("length", [0, 17, 19])
def test_a_wrong_length_is_refused(length):
    code = (random_codes(1)[0] * 2)[:length]
    with pytest.raises(UsccError, match=f"length {length}, expected 18"):
        validate_uscc(code)


def test_case_and_whitespace_are_normalised():
    code = random_codes(1)[0]
    assert validate_uscc(f"  {code.lower()} \n") == code


def test_a_region_outside_any_province_is_refused():
    code = make_uscc("990100", "MA4K0000")
    with pytest.raises(UsccError, match="position 3: region 990100 has no province 99"):
        validate_uscc(code)


def test_an_audited_override_accepts_a_failing_code():
    code = random_codes(1)[0]
    bad = code[:17] + ("0" if code[17] != "0" else "1")
    with pytest.raises(UsccError):
        validate_uscc(bad)
    assert validate_uscc(bad.lower(), overrides=frozenset({bad})) == bad

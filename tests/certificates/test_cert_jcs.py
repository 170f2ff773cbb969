"""JSON canonicalization (RFC 8785), the form the twin is signed in."""

from __future__ import annotations

from certificates.jcs import canonicalize


def test_jcs_matches_rfc_8785_examples():
    assert (
        canonicalize({"numbers": [333333333.33333329, 1e30, 4.50, 2e-3, 0.000000000000000000000000001]})
        == b'{"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27]}'
    )
    assert (
        canonicalize({"\u20ac": 1, "\r": 2, "\U0001f600": 3, "\ufb33": 4, "1": 5, "\u00f6": 6})
        == '{"\\r":2,"1":5,"\u00f6":6,"\u20ac":1,"\U0001f600":3,"\ufb33":4}'.encode()
    )


def test_jcs_orders_keys_by_utf16_units_when_keys_leave_the_bmp():
    # U+1F600 is D83D DE00 in UTF-16, so it sorts before U+FB33 although its code point is larger
    assert canonicalize({"\ufb33": 1, "\U0001f600": 2}) == '{"\U0001f600":2,"\ufb33":1}'.encode()
    assert (
        canonicalize({"b": [1, True, None, "\u000f"], "a": {"y": 1, "x": 2}})
        == b'{"a":{"x":2,"y":1},"b":[1,true,null,"\\u000f"]}'
    )

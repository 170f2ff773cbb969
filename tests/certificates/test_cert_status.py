"""Status store and the published Bitstring Status Lists."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from certificates import proof
from certificates.issue import status_lists
from certificates.status import LIST_SIZE, StatusError, bit, decode_bitstring, encode_bitstring
from documents.certificate import make_certificate

N = "HB-FX-2026-420100-000123"


def test_status_round_trip_set_read_suspend_reinstate(make_data, ring, store):
    data = make_data()
    make_certificate(data, ring, store)
    rec = store.get(N)
    assert rec.state == "valid" and rec.serial == data.serial and 0 <= rec.status_index < LIST_SIZE
    store.change(N, "suspended", "complaint_spike", date(2026, 8, 1), "12 complaints in a week")
    assert store.get(N).state == "suspended" and store.get(N).reason == "complaint_spike"
    store.change(N, "valid", "review_cleared", date(2026, 8, 10))
    rec = store.get(N)
    assert rec.state == "valid"
    assert [(e.state, e.reason) for e in rec.history] == [
        ("valid", "issued"),
        ("suspended", "complaint_spike"),
        ("valid", "review_cleared"),
    ]


def test_revocation_is_final(make_data, ring, store):
    make_certificate(make_data(), ring, store)
    store.change(N, "revoked", "severe_penalty", date(2026, 8, 1))
    for to in ("valid", "suspended", "revoked"):
        with pytest.raises(StatusError, match="revocation is final"):
            store.change(N, to, "review_cleared", date(2026, 9, 1))


def test_an_unknown_reason_code_is_refused(make_data, ring, store):
    make_certificate(make_data(), ring, store)
    with pytest.raises(StatusError, match="reason 'because'"):
        store.change(N, "suspended", "because", date(2026, 8, 1))


def test_expiry_is_derived_from_the_dates(make_data, ring, store):
    make_certificate(make_data(), ring, store)
    assert store.get(N).status_on(date(2028, 6, 30)) == "valid"
    assert store.get(N).status_on(date(2028, 7, 1)) == "expired"


def test_the_serial_and_index_are_stored_before_signing_and_kept_on_a_rerun(make_data, ring, store):
    data = make_data()
    first = store.reserve(data.number, data.serial, data.valid_from, data.valid_until, data.issued_on)
    make_certificate(data, ring, store)
    assert store.get(N) == first
    with pytest.raises(StatusError, match="another serial"):
        make_certificate(make_data(serial="A" * 22), ring, store)


def test_each_certificate_gets_its_own_random_index(make_data, ring, store):
    indices = [
        store.reserve(
            f"HB-FX-2026-420100-{i:06d}", f"s{i}", date(2026, 7, 1), date(2028, 6, 30), date(2026, 7, 1)
        ).status_index
        for i in range(1, 201)
    ]
    assert len(set(indices)) == 200
    assert sorted(indices) != indices


def test_bitstring_round_trip_sets_exactly_the_given_bits():
    encoded = encode_bitstring([0, 7, 8, 131_071])
    assert encoded.startswith("u")
    bits = decode_bitstring(encoded)
    assert len(bits) * 8 == LIST_SIZE
    assert [i for i in (0, 1, 6, 7, 8, 9, 131_070, 131_071) if bit(bits, i)] == [0, 7, 8, 131_071]
    assert bits[0] == 0b1000_0001


def test_published_lists_are_signed_and_carry_the_status_bits(make_data, ring, store):
    make_certificate(make_data(1), ring, store)
    make_certificate(make_data(2), ring, store)
    store.change("HB-FX-2026-420100-000001", "revoked", "false_application", date(2026, 8, 1))
    store.change("HB-FX-2026-420100-000002", "suspended", "complaint_spike", date(2026, 8, 1))
    files = status_lists(store, ring, "http://127.0.0.1:8000", "湖北省市场监督管理局", datetime(2026, 8, 2, tzinfo=UTC))
    assert sorted(files) == ["revocation.json", "suspension.json"]
    lists = {name.removesuffix(".json"): json.loads(data) for name, data in files.items()}
    for purpose, number in (("revocation", "000001"), ("suspension", "000002")):
        doc = lists[purpose]
        proof.verify(doc, ring.verification_keys()[doc["proof"]["verificationMethod"]])
        assert doc["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
        bits = decode_bitstring(doc["credentialSubject"]["encodedList"])
        set_bits = [i for i in range(LIST_SIZE) if bits[i // 8] and bit(bits, i)]
        assert set_bits == [store.get(f"HB-FX-2026-420100-{number}").status_index]
    entry = make_certificate(make_data(3), ring, store).credential["credentialStatus"][0]
    assert entry["type"] == "BitstringStatusListEntry" and entry["statusListCredential"].endswith("/status/revocation")

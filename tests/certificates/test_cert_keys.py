"""The key folder's PDF signing material: the CA and signing certificate made by `keys init`, rotation,
the bureau's own identity from PKCS#12, file modes, and the `assured keys` commands."""

from __future__ import annotations

import io
import json
import shutil
from datetime import date

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

from certificates import keys, pki
from certificates.pades import PdfSigner
from certificates.verify import verify_pdf
from documents.certificate import make_certificate

TODAY = date(2026, 8, 1)
ISSUER = "http://127.0.0.1:8000/issuer"


def valid(ring, store, pdf) -> bool:
    return verify_pdf(pdf, ring.verification_keys(), ring.issuer, store.get, TODAY).valid


def test_init_makes_a_ca_and_a_signing_certificate_readers_accept(tmp_path):
    ring = keys.init(tmp_path / "keys", ISSUER, "湖北省市场监督管理局")
    folder = ring.folder / "pdf"
    assert sorted(p.name for p in folder.iterdir()) == [
        "ca-1.crt",
        "ca-1.key",
        "index.json",
        "signing-1.chain.crt",
        "signing-1.crt",
        "signing-1.key",
    ]
    ca = x509.load_pem_x509_certificate((folder / "ca-1.crt").read_bytes())
    cert = x509.load_pem_x509_certificate((folder / "signing-1.crt").read_bytes())
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert ca.extensions.get_extension_for_class(x509.KeyUsage).value.key_cert_sign
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment and not usage.key_cert_sign
    assert isinstance(cert.public_key(), ec.EllipticCurvePublicKey) and cert.public_key().curve.name == "secp256r1"
    cert.verify_directly_issued_by(ca)
    assert "O=湖北省市场监督管理局" in cert.subject.rfc4514_string()
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.UniformResourceIdentifier) == [ISSUER]  # the twin's issuer too
    assert (cert.not_valid_after_utc - cert.not_valid_before_utc).days > 3 * 365  # outlives what it signs
    assert ring.pdf.active == "signing-1" and [a.id for a in ring.pdf.anchors] == ["ca-1"]


def test_private_files_are_the_owners_only_and_the_indexes_hold_none(tmp_path):
    ring = keys.init(tmp_path / "keys", ISSUER)
    private = [ring.folder / "key-1.pem", *sorted((ring.folder / "pdf").glob("*.key"))]
    assert len(private) == 3 and all(p.stat().st_mode & 0o777 == 0o600 for p in private)
    assert (ring.folder / "pdf").stat().st_mode & 0o777 == 0o700
    for index in (ring.folder / "keyring.json", ring.folder / "pdf" / "index.json"):
        assert "PRIVATE" not in index.read_text()
    shown = json.dumps(ring.as_json())
    assert "PRIVATE" not in shown and "signing-1" in shown


def test_init_adds_the_pdf_part_to_an_older_key_folder_and_refuses_a_second_time(tmp_path):
    older = keys.init(tmp_path / "keys", ISSUER)
    shutil.rmtree(older.folder / "pdf")  # a key folder from before the PDF signature
    assert keys.load(older.folder).pdf is None
    upgraded = keys.init(older.folder, "ignored: the ring keeps its issuer")
    assert upgraded.active == older.active and upgraded.issuer == ISSUER and upgraded.pdf is not None
    with pytest.raises(keys.KeyRingError) as err:
        keys.init(older.folder, ISSUER)
    assert err.value.kind == "conflict"


def test_without_a_pdf_signing_certificate_nothing_is_issued(make_data, store, tmp_path):
    ring = keys.init(tmp_path / "keys", ISSUER)
    shutil.rmtree(ring.folder / "pdf")
    with pytest.raises(keys.KeyRingError) as err:
        make_certificate(make_data(), keys.load(ring.folder), store)
    assert err.value.kind == "not_found" and "assured keys init" in str(err.value)
    assert store.get("HB-FX-2026-420100-000123") is None  # refused before a number was reserved


def bureau(tmp_path, authority="湖北省电子认证中心", rsa_key: bool = False) -> pki.Identity:
    """A bureau's own CA and signing identity, made apart from the key folder."""
    ca_pem, ca_key = pki.new_ca("https://ca.example/bureau", authority)
    identity = pki.new_signer(ca_pem, ca_key, "https://ca.example/bureau", 1)
    if rsa_key:  # the same CA, an RSA signing key
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        ca = x509.load_pem_x509_certificate(ca_pem)
        template = x509.load_pem_x509_certificate(identity.certificate)
        extensions = [e for e in template.extensions if not isinstance(e.value, x509.SubjectKeyIdentifier)]
        cert = (
            x509.CertificateBuilder(extensions=extensions)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .subject_name(template.subject)
            .issuer_name(ca.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(template.not_valid_before_utc)
            .not_valid_after(template.not_valid_after_utc)
            .sign(pki.load_key(ca_key), hashes.SHA256())
        )
        identity = pki.Identity(pki.pem(cert), ca_pem, pki.private_pem(key))
    return identity


@pytest.mark.parametrize("rsa_key", [False, True], ids=["ecdsa", "rsa"])
def test_the_bureaus_own_pkcs12_signs_and_old_certificates_stay_valid(make_data, ring, store, tmp_path, rsa_key):
    old = make_certificate(make_data(1), ring, store).pdf
    p12 = pki.to_pkcs12(bureau(tmp_path, rsa_key=rsa_key), b"s3cret")
    imported = keys.import_p12(ring.folder, ring.issuer, p12, b"s3cret")
    assert imported.pdf.active == "signing-2" and [a.id for a in imported.pdf.anchors] == ["ca-1", "ca-2"]
    active = imported.pdf.signers[-1]
    assert active.source == "imported" and "湖北省电子认证中心" in active.subject and imported.pdf.signers[0].retired
    new = make_certificate(make_data(2), imported, store).pdf
    assert valid(imported, store, old) and valid(imported, store, new)
    assert not valid(ring, store, new)  # the key folder as it was before the import does not trust the bureau's CA
    assert not keys.can_rotate_pdf(imported)
    rotated = keys.rotate(imported.folder)  # the twin's key rotates; the imported certificate stays active
    assert rotated.active.endswith("#key-2") and rotated.pdf.active == "signing-2"


def test_a_wrong_passphrase_or_a_file_without_its_ca_is_refused_in_one_line(ring, tmp_path):
    identity = bureau(tmp_path)
    with pytest.raises(pki.PkiError) as err:
        keys.import_p12(ring.folder, ring.issuer, pki.to_pkcs12(identity, b"right"), b"wrong")
    assert "wrong passphrase" in str(err.value) and "\n" not in str(err.value)
    key, cert = pki.load_key(identity.key), x509.load_pem_x509_certificate(identity.certificate)
    bare = pkcs12.serialize_key_and_certificates(b"x", key, cert, None, BestAvailableEncryption(b"pw"))
    with pytest.raises(pki.PkiError) as err:
        keys.import_p12(ring.folder, ring.issuer, bare, b"pw")
    assert "--ca FILE" in str(err.value)
    with_ca = keys.import_p12(ring.folder, ring.issuer, bare, b"pw", identity.chain)
    assert with_ca.pdf.active == "signing-2"


def test_a_signer_refuses_a_key_that_is_not_its_certificates(ring, tmp_path):
    other = bureau(tmp_path)
    with pytest.raises(Exception, match="does not belong"):
        PdfSigner(ring.pdf_signer().certificate, (), pki.load_key(other.key))


def test_keys_commands_init_show_rotate(cli):
    result = cli("keys", "init")
    assert result.code == 0 and "PDF signing certificate signing-1" in result.out
    assert cli("keys", "rotate").code == 0
    shown = cli("keys", "show", "--json").json()
    assert shown["pdf"]["active"] == "signing-2" and len(shown["pdf"]["signing_certificates"]) == 2
    text = cli("keys", "show").out
    assert "trusted CA" in text and "signing-1" in text and "retired" in text and "PRIVATE" not in text


def test_import_p12_reads_its_passphrase_from_the_environment_or_stdin_never_an_argument(cli, tmp_path, monkeypatch):
    assert cli("keys", "init").code == 0
    p12 = tmp_path / "bureau.p12"
    p12.write_bytes(pki.to_pkcs12(bureau(tmp_path), b"pass phrase"))
    refused = cli("keys", "import-p12", p12, "--passphrase", "pass phrase")
    assert refused.code == 2 and "pass phrase" not in refused.out
    monkeypatch.setenv("BUREAU_P12", "pass phrase")
    result = cli("keys", "import-p12", p12, "--passphrase-env", "BUREAU_P12")
    assert result.code == 0 and "signing-2" in result.out and "pass phrase" not in result.out + result.err
    monkeypatch.setattr("sys.stdin", io.StringIO("pass phrase\n"))
    assert cli("keys", "import-p12", p12).code == 0
    assert cli("keys", "show", "--json").json()["pdf"]["active"] == "signing-3"
    monkeypatch.setattr("sys.stdin", io.StringIO("not it\n"))
    wrong = cli("keys", "import-p12", p12)
    assert wrong.code == 2 and wrong.err.startswith("error: cannot read the PKCS#12 file")

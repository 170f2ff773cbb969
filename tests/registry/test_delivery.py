"""Delivery: outbox always, e-mail through a real SMTP server, failures retried, never doubled."""

import socket

from sqlalchemy import select

from registry.db import begin_write, open_registry
from registry.delivery import Document, attempt, pending_ids, queue
from registry.settings import get_settings
from registry.workflow_models import Delivery

USCC = "91420100MA4K00002Y"


def _doc(tmp_path):
    pdf = tmp_path / "cert.pdf"
    pdf.write_bytes(b"%PDF-1.4 test certificate\n")
    (tmp_path / "cert.vc.json").write_text('{"type": ["VerifiableCredential"]}')
    return Document(USCC, pdf, "放心消费证书", "您好，证书见附件。", "shop@example.cn")


def _run_all(factory, settings):
    results = []
    for delivery_id in _pending(factory, settings):
        with begin_write(factory) as session:
            results.append(attempt(session, delivery_id, settings))
    return results


def _pending(factory, settings):
    with factory() as session:
        return pending_ids(session, settings)


def test_a_document_reaches_the_outbox_and_the_mailbox_once(home, tmp_path, monkeypatch, smtp_server):
    monkeypatch.setenv("ASSURED_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("ASSURED_SMTP_PORT", str(smtp_server.port))
    get_settings.cache_clear()
    settings = get_settings()
    factory = open_registry(settings.db_url)
    doc = _doc(tmp_path)
    for _ in range(2):  # queuing twice changes nothing
        with begin_write(factory) as session:
            queue(session, doc, settings)
    assert _run_all(factory, settings) == [True, True]
    assert _run_all(factory, settings) == []
    assert (settings.outbox_path / USCC / "cert.pdf").read_bytes() == doc.path.read_bytes()
    assert (settings.outbox_path / USCC / "cert.vc.json").exists()
    [msg] = smtp_server.messages
    assert (msg["To"], msg["Subject"]) == ("shop@example.cn", "放心消费证书")
    names = [part.get_filename() for part in msg.iter_attachments()]
    assert names == ["cert.pdf", "cert.vc.json"]
    assert [p for p in msg.iter_attachments()][0].get_content() == doc.path.read_bytes()


def test_a_failed_send_is_recorded_and_retried_until_the_server_answers(home, tmp_path, monkeypatch, smtp_server):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    monkeypatch.setenv("ASSURED_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("ASSURED_SMTP_PORT", str(closed_port))
    get_settings.cache_clear()
    settings = get_settings()
    factory = open_registry(settings.db_url)
    with begin_write(factory) as session:
        queue(session, _doc(tmp_path), settings)
    assert sorted(_run_all(factory, settings)) == [False, True]  # outbox works, e-mail fails
    with factory() as session:
        mail = session.scalar(select(Delivery).where(Delivery.channel == "email"))
        assert (mail.status, mail.attempts) == ("pending", 1) and "ConnectionRefusedError" in mail.last_error

    monkeypatch.setenv("ASSURED_SMTP_PORT", str(smtp_server.port))
    get_settings.cache_clear()
    assert _run_all(factory, get_settings()) == [True]
    assert len(smtp_server.messages) == 1


def test_delivery_gives_up_after_the_configured_attempts(home, tmp_path, monkeypatch):
    monkeypatch.setenv("ASSURED_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("ASSURED_SMTP_PORT", "1")
    monkeypatch.setenv("ASSURED_DELIVERY_ATTEMPTS", "2")
    get_settings.cache_clear()
    settings = get_settings()
    factory = open_registry(settings.db_url)
    with begin_write(factory) as session:
        queue(session, _doc(tmp_path), settings)
    _run_all(factory, settings)
    _run_all(factory, settings)
    with factory() as session:
        mail = session.scalar(select(Delivery).where(Delivery.channel == "email"))
        assert (mail.status, mail.attempts) == ("failed", 2)
    assert _pending(factory, settings) == []

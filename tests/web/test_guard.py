"""Every response carries the security headers; a request body over the limit is refused before
the route reads it, whether it declares its length or streams in chunks."""

from __future__ import annotations

import socket
import threading
import time

import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from web.app import HEADERS, Guard

LIMIT = 1000


def tiny_app(seen: list[int]) -> FastAPI:
    app = FastAPI()

    @app.post("/echo")
    async def echo(request: Request) -> dict:
        n = 0
        async for chunk in request.stream():
            n += len(chunk)
            seen.append(n)
        return {"bytes": n}

    @app.get("/")
    def index() -> dict:
        return {"ok": True}

    app.add_middleware(Guard, limit=LIMIT)
    return app


def test_every_response_carries_the_security_headers():
    response = TestClient(tiny_app([])).get("/")
    for name, value in HEADERS:
        assert response.headers[name.decode()] == value.decode()
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


def test_a_body_within_the_limit_reaches_the_route():
    response = TestClient(tiny_app([])).post("/echo", content=b"x" * LIMIT)
    assert response.status_code == 200 and response.json() == {"bytes": LIMIT}


def test_a_declared_length_over_the_limit_is_refused_before_the_route_reads():
    seen: list[int] = []
    response = TestClient(tiny_app(seen)).post("/echo", content=b"x" * (LIMIT + 1))
    assert response.status_code == 413 and str(LIMIT) in response.text
    assert seen == []


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served():
    """The tiny app in a real uvicorn server (a raw socket can send a chunked body with no length)."""
    seen: list[int] = []
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(tiny_app(seen), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.05)
    yield port, seen
    server.should_exit = True
    thread.join(5)


def test_a_chunked_body_is_cut_off_once_it_passes_the_limit(served):
    port, seen = served
    chunk = b"y" * 400
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        for _ in range(50):  # 20,000 bytes offered; the server must stop after 1,200
            try:
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            except OSError:
                break
        try:
            sock.sendall(b"0\r\n\r\n")
        except OSError:
            pass
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 413")
    assert max(seen, default=0) <= LIMIT

"""One retry layer: a failing HTTP source is asked a bounded number of times, by the HTTP session only."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from registry.settings import get_settings
from registry.sources import SourceError, fetch_page, http_session


@pytest.fixture
def unavailable():
    """A real local HTTP server that answers every request 503; `.requests` counts them."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, fmt, *args):
            pass

        def do_GET(self):  # noqa: N802 (http.server's name)
            with lock:
                server.requests += 1
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()

    lock = threading.Lock()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.requests = 0
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def test_one_request_to_a_source_answering_503_is_tried_once_plus_its_retries(unavailable):
    http = http_session(3, backoff=0)
    with pytest.raises(SourceError, match="HTTP 503 after retries"):
        fetch_page(http, f"{unavailable.url}/registrations", {"limit": 10}, timeout=5)
    assert unavailable.requests == 4


def test_the_application_flow_asks_a_failing_source_no_more_than_the_session_retries(
    cli, generate, unavailable, monkeypatch
):
    folder = generate(businesses=50)
    assert cli("ingest", folder).code == 0
    with (folder / "registrations.jsonl").open() as fh:
        uscc = json.loads(fh.readline())["uscc"]
    monkeypatch.setenv("ASSURED_SOURCE_URL", unavailable.url)
    monkeypatch.setenv("ASSURED_HTTP_RETRIES", "2")
    get_settings.cache_clear()
    result = cli("apply", "--uscc", uscc, "--program", "model_unit", "--as-of", "2026-06-30")
    assert result.code == 2 and "HTTP 503 after retries" in result.err
    assert unavailable.requests == 3  # one request, two retries: the flow's task does not retry it again

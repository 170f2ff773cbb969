"""HTTP record sources: a server for a folder of record files, and the sync client.

Contract (docs/architecture.md, Record formats): `GET {base}/{kind}?since=CURSOR&limit=N` returns
`{"items": [...], "next": CURSOR|null}`; `GET {base}/{kind}?uscc=X` returns the
records of one business. Our server's cursor is the line number to read next.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from array import array
from collections import defaultdict
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import requests
from requests.adapters import HTTPAdapter
from sqlalchemy.orm import Session, sessionmaker
from urllib3.util.retry import Retry

from checks.errors import AssuredError, Kind
from registry import models
from registry.db import begin_write
from registry.ingest import Counts, Row, ingest_context, ingest_rows
from registry.records import KINDS
from registry.settings import get_settings
from registry.workflow_models import SourceRefresh

MAX_LIMIT = 10_000


class SourceError(AssuredError):
    """A source could not be read after retries; a re-run resumes from the stored cursor."""

    kind = Kind.unavailable


class RecordFile:
    """One `.jsonl` file indexed by line offsets (and, on first use, by USCC)."""

    def __init__(self, path: Path):
        self.path = path
        self.offsets = array("q")
        self._by_uscc: dict[str, list[int]] | None = None
        self._lock = threading.Lock()
        with path.open("rb") as fh:
            pos = 0
            for line in fh:
                if line.strip():
                    self.offsets.append(pos)
                pos += len(line)

    def _line(self, fh, i: int) -> bytes:
        fh.seek(self.offsets[i])
        return fh.readline()

    def page(self, start: int, limit: int) -> tuple[list, int | None]:
        end = min(start + limit, len(self.offsets))
        with self.path.open("rb") as fh:
            items = [_item(self._line(fh, i)) for i in range(start, end)]
        return items, (end if end < len(self.offsets) else None)

    def for_uscc(self, uscc: str) -> list:
        with self._lock:
            if self._by_uscc is None:
                index: dict[str, list[int]] = defaultdict(list)
                with self.path.open("rb") as fh:
                    for i in range(len(self.offsets)):
                        item = _item(self._line(fh, i))
                        if isinstance(item, dict) and isinstance(item.get("uscc"), str):
                            index[item["uscc"].strip().upper()].append(i)
                self._by_uscc = dict(index)
        with self.path.open("rb") as fh:
            return [_item(self._line(fh, i)) for i in self._by_uscc.get(uscc.strip().upper(), [])]


def _item(line: bytes):
    """A record as served: the parsed object, or the raw text of a line that is not JSON."""
    text = line.decode("utf-8", errors="replace").rstrip("\n")
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


class FaultPlan:
    """Failure injection for tests and drills: `fail_first` requests answer 500;
    the process exits abruptly on request number `die_after` (as if killed)."""

    def __init__(self, fail_first: int = 0, die_after: int | None = None):
        self.fail_first, self.die_after = fail_first, die_after
        self.requests = 0
        self._lock = threading.Lock()

    def next(self) -> str | None:
        with self._lock:
            self.requests += 1
            n = self.requests
        if self.die_after is not None and n >= self.die_after:
            os._exit(137)
        return "fail" if n <= self.fail_first else None


def make_server(
    folder: Path,
    host: str = "127.0.0.1",
    port: int = 0,
    faults: FaultPlan | None = None,
    log: Callable[[str], None] | None = None,
) -> ThreadingHTTPServer:
    files = {k: RecordFile(folder / f"{k}.jsonl") for k in KINDS if (folder / f"{k}.jsonl").is_file()}
    if not files:
        raise SourceError(f"{folder}: no record files ({', '.join(f'{k}.jsonl' for k in KINDS)})", kind=Kind.bad_input)
    plan = faults or FaultPlan()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, fmt, *args):  # quiet unless asked
            if log:
                log(fmt % args)

        def _send(self, status: int, body: dict) -> None:
            data = json.dumps(body, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):  # noqa: N802 (http.server's name)
            if plan.next() == "fail":
                return self._send(500, {"error": "injected failure"})
            url = urlsplit(self.path)
            kind = url.path.strip("/").rsplit("/", 1)[-1]
            if kind not in files:
                return self._send(404, {"error": f"unknown kind {kind!r}", "kinds": sorted(files)})
            q = {k: v[-1] for k, v in parse_qs(url.query).items()}
            if "uscc" in q:
                return self._send(200, {"items": files[kind].for_uscc(q["uscc"]), "next": None})
            try:
                since = int(q.get("since") or 0)
                limit = int(q.get("limit") or 1000)
                if since < 0 or not 0 < limit <= MAX_LIMIT:
                    raise ValueError
            except ValueError:
                return self._send(
                    400,
                    {
                        "error": f"since must be a cursor from this source and limit 1..{MAX_LIMIT}",
                        "since": q.get("since"),
                        "limit": q.get("limit"),
                    },
                )
            items, nxt = files[kind].page(since, limit)
            self._send(200, {"items": items, "next": None if nxt is None else str(nxt)})

    return ThreadingHTTPServer((host, port), Handler)


def http_session(retries: int, backoff: float = 0.5) -> requests.Session:
    """One session for a whole sync: retries with exponential backoff on connect errors, 5xx, 429."""
    retry = Retry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        backoff_factor=backoff,
        backoff_max=30,
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=("GET",),
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


# Kinds a source may not serve yet (field and consumer evaluation came later than the others): a
# 404 for one of them means "nothing of this kind here", not a failed source.
OPTIONAL_KINDS = frozenset({"inspections", "mystery_shops", "ratings"})


def fetch_page(http: requests.Session, url: str, params: dict, timeout: float, optional: bool = False) -> dict | None:
    """One page of a kind; None when the source does not serve an `optional` kind (404)."""
    try:
        resp = http.get(url, params=params, timeout=timeout)
    except requests.RequestException as exc:
        raise SourceError(f"{url}: unreachable after retries ({type(exc).__name__})") from None
    if optional and resp.status_code == 404:
        return None
    if resp.status_code != 200:
        raise SourceError(f"{url}: HTTP {resp.status_code} after retries")
    try:
        body = resp.json()
        items, nxt = body["items"], body["next"]
        if not isinstance(items, list) or not (nxt is None or isinstance(nxt, str)):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        raise SourceError(f"{url}: answer is not {{'items': [...], 'next': cursor|null}}") from None
    return {"items": items, "next": nxt}


def _rows(items: list, first_line: int) -> list[Row]:
    rows = []
    for i, item in enumerate(items):
        text = item if isinstance(item, str) else json.dumps(item, ensure_ascii=False)
        rows.append(Row(first_line + i, text, json_text=text))
    return rows


def sync_kind(
    factory: sessionmaker[Session],
    http: requests.Session,
    base_url: str,
    kind: str,
    page_size: int,
    timeout: float,
    on_page: Callable[[int], None] | None = None,
) -> Counts:
    """Pull one kind page by page; each page and its cursor commit together, so a re-run
    after any failure resumes at the first page not stored — no duplicates, nothing missed."""
    source = base_url.rstrip("/")
    url = f"{source}/{kind}"
    total = Counts(url, kind)
    with begin_write(factory) as session:
        cur = session.get(models.SyncCursor, (source, kind))
        since = cur.cursor if cur else None
        run = models.IngestRun(source=url, kind=kind)
        session.add(run)
        session.flush()
        run_id = run.id
        context = ingest_context(session, get_settings())
    total.run_id = run_id
    while True:
        params = {"limit": page_size} | ({"since": since} if since is not None else {})
        page = fetch_page(http, url, params, timeout, optional=kind in OPTIONAL_KINDS)
        if page is None:
            return total
        first_line = int(since) + 1 if since and since.isdigit() else 1
        with begin_write(factory) as session:
            counts = ingest_rows(
                session,
                _rows(page["items"], first_line),
                KINDS[kind],
                url,
                context,
                run=session.get(models.IngestRun, run_id),
            )
            total.add(counts)
            cursor = page["next"] if page["next"] is not None else since
            session.merge(
                models.SyncCursor(source=source, kind=kind, cursor=cursor, updated_at=dt.datetime.now(dt.UTC))
            )
        if on_page:
            on_page(len(page["items"]))
        if page["next"] is None:
            return total
        since = page["next"]


def refresh_business(
    session: Session, http: requests.Session, base_url: str, uscc: str, timeout: float, max_age: dt.timedelta
) -> bool:
    """Pull one business's records from the source when the last pull is older than `max_age`."""
    now = dt.datetime.now(dt.UTC)
    seen = session.get(SourceRefresh, uscc)
    if seen is not None and now - seen.refreshed_at.replace(tzinfo=dt.UTC) < max_age:
        return False
    source = base_url.rstrip("/")
    context = ingest_context(session, get_settings())
    for kind in KINDS:
        page = fetch_page(http, f"{source}/{kind}", {"uscc": uscc}, timeout, optional=kind in OPTIONAL_KINDS)
        if page is None:
            continue
        ingest_rows(session, _rows(page["items"], 1), KINDS[kind], f"{source}/{kind}?uscc={uscc}", context)
    session.merge(SourceRefresh(uscc=uscc, refreshed_at=now.replace(tzinfo=None)))
    return True

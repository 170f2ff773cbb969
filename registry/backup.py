"""Backup and restore of an instance: the registry (SQLite's online backup, or `pg_dump`), the key ring,
the stored documents and the outbox, with a manifest holding the SHA-256 and mode of every file and
the row count of every table. A restore checks every hash first, goes only into an empty home and
an empty database, moves the stored paths to the new folders and checks the counts."""

from __future__ import annotations

import glob
import hashlib
import json
import os
import shutil
import sqlite3
import stat
import subprocess
from contextlib import closing
from pathlib import Path

from sqlalchemy import Text, func, inspect, literal, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from checks import calendar
from checks.errors import AssuredError, Kind
from documents.files import copy_atomic, write_atomic
from registry.db import begin_write, make_engine, session_factory
from registry.doctor import shown_url, sqlite_path
from registry.models import Base
from registry.settings import Settings
from registry.workflow_models import Announcement, Certificate, Delivery

MANIFEST = "manifest.json"
SQLITE_FILE = "registry.sqlite3"
PG_FILE = "registry.pgdump"
# Home entries a backup leaves out: the database (backed up on its own), Prefect's home, scratch
# space and a signed-in session.
SKIPPED = {"prefect", "tmp", "session-token"}
STORED_PATHS = (
    (Announcement, ("pdf_path", "csv_path")),
    (Certificate, ("pdf_path", "twin_path")),
    (Delivery, ("document", "recipient")),
)


class BackupError(AssuredError):
    kind = Kind.refused


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _folders(settings: Settings) -> dict[str, Path]:
    return {
        "keys": settings.keys_path,
        "out": settings.out_path,
        "outbox": settings.outbox_path,
        "uploads": settings.uploads_path,
    }


def _home_extras(settings: Settings) -> list[Path]:
    """Entries of the home folder that none of the named folders covers (uploads, say)."""
    home = settings.home_path
    if not home.is_dir():
        return []
    taken = set(_folders(settings).values())
    db = sqlite_path(settings.db_url)
    db_files = {db, Path(f"{db}-wal"), Path(f"{db}-shm")} if db else set()
    return sorted(p for p in home.iterdir() if p.name not in SKIPPED and p not in taken and p not in db_files)


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _pg_tool(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    if found is None:
        raise AssuredError(f"{name} not found: install PostgreSQL's client programs", kind=Kind.unavailable)
    return found


def table_counts(session: Session) -> dict[str, int]:
    tables = set(inspect(session.connection()).get_table_names())
    return {
        t.name: session.scalar(func.count().select().select_from(t)) or 0
        for t in Base.metadata.sorted_tables
        if t.name in tables
    }


def _copy(src: Path, dst: Path) -> None:
    copy_atomic(src, dst)
    os.chmod(dst, stat.S_IMODE(src.stat().st_mode))


def backup(settings: Settings, target: Path) -> dict:
    """Write the instance into the empty or new folder `target`; returns the manifest."""
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"backup folder {target} is not empty: give a new one")
    target.mkdir(parents=True, exist_ok=True)
    url = settings.db_url
    db = sqlite_path(url)
    if db is not None:
        if not db.is_file():
            raise BackupError(f"no registry at {db}: nothing to back up")
        with closing(sqlite3.connect(db)) as live, closing(sqlite3.connect(target / SQLITE_FILE)) as copy:
            live.backup(copy)  # a consistent copy while other processes keep writing
        db_file, dialect = SQLITE_FILE, "sqlite"
    else:
        dump = [_pg_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={target / PG_FILE}", _libpq(url)]
        run = subprocess.run(dump, capture_output=True, text=True)
        if run.returncode:
            raise AssuredError(f"pg_dump failed: {run.stderr.strip()[:300]}", kind=Kind.unavailable)
        db_file, dialect = PG_FILE, "postgresql"
    for name, folder in _folders(settings).items():
        if folder.is_dir():
            for src in sorted(p for p in folder.rglob("*") if p.is_file()):
                _copy(src, target / name / src.relative_to(folder))
    for entry in _home_extras(settings):
        found = sorted(p for p in entry.rglob("*") if p.is_file()) if entry.is_dir() else [entry]
        for src in found:
            _copy(src, target / "home" / src.relative_to(settings.home_path))
    with session_factory(url)() as session:
        counts = table_counts(session)
    files = {
        p.relative_to(target).as_posix(): {"sha256": sha256(p), "mode": stat.S_IMODE(p.stat().st_mode)}
        for p in sorted(target.rglob("*"))
        if p.is_file()
    }
    manifest = {
        "format": 1,
        "made_on": calendar.today().isoformat(),
        "database": {"dialect": dialect, "file": db_file, "url": shown_url(url)},
        "folders": {name: str(folder) for name, folder in _folders(settings).items()}
        | {"home": str(settings.home_path)},
        "counts": counts,
        "files": files,
    }
    write_atomic(target / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2).encode())
    return manifest


def read_manifest(source: Path) -> dict:
    """The backup's manifest, after every file's SHA-256 is checked against it."""
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
        files = manifest["files"]
    except (OSError, ValueError, KeyError) as exc:
        raise BackupError(f"{source}: no readable {MANIFEST} ({exc})", kind=Kind.bad_input) from None
    for rel, entry in files.items():
        path = source / rel
        if not path.is_file():
            raise BackupError(f"{source}: {rel} is missing", kind=Kind.bad_input)
        if sha256(path) != entry["sha256"]:
            raise BackupError(f"{source}: {rel} does not match its SHA-256 in {MANIFEST}", kind=Kind.bad_input)
    return manifest


def _refuse_unless_empty(settings: Settings) -> None:
    home = settings.home_path
    if home.is_dir() and any(p.name != "prefect" for p in home.iterdir()):
        raise BackupError(f"home {home} is not empty: restore into a new, empty home")
    for name, folder in _folders(settings).items():
        if folder.is_dir() and any(folder.iterdir()):
            raise BackupError(f"{name} folder {folder} is not empty: restore into empty folders")
    db = sqlite_path(settings.db_url)
    if db is not None and db.exists():
        raise BackupError(f"registry {db} already exists: restore into a new database")
    if db is None:
        with make_engine(settings.db_url).connect() as conn:
            if inspect(conn).get_table_names():
                raise BackupError(f"database {shown_url(settings.db_url)} is not empty: restore into an empty one")


def restore(settings: Settings, source: Path) -> dict:
    """Restore the backup in `source` into the (empty) instance of `settings`; returns the counts."""
    manifest = read_manifest(source)
    _refuse_unless_empty(settings)
    dialect = manifest["database"]["dialect"]
    db = sqlite_path(settings.db_url)
    if (dialect == "sqlite") != (db is not None):
        raise BackupError(f"the backup holds a {dialect} registry; ASSURED_DATABASE_URL names another kind")
    if db is not None:
        _copy(source / SQLITE_FILE, db)
    else:
        load = [_pg_tool("pg_restore"), "--no-owner", "--exit-on-error", f"--dbname={_libpq(settings.db_url)}"]
        run = subprocess.run([*load, str(source / PG_FILE)], capture_output=True, text=True)
        if run.returncode:
            raise AssuredError(f"pg_restore failed: {run.stderr.strip()[:300]}", kind=Kind.unavailable)
    places = _folders(settings) | {"home": settings.home_path}
    for rel, entry in manifest["files"].items():
        section, _, rest = rel.partition("/")
        if section in places and rest:
            dst = places[section] / rest
            copy_atomic(source / rel, dst)
            os.chmod(dst, entry["mode"])
    factory = session_factory(settings.db_url)
    with begin_write(factory) as session:
        relocate(session, {manifest["folders"][k]: str(v) for k, v in places.items()})
        counts = table_counts(session)
    if counts != manifest["counts"]:
        changed = sorted(
            k for k in counts.keys() | manifest["counts"].keys() if counts.get(k) != manifest["counts"].get(k)
        )
        raise BackupError(f"restored row counts differ from the backup's in {', '.join(changed)}", kind=Kind.conflict)
    return counts


def relocate(session: Session, moves: dict[str, str]) -> None:
    """Point the stored file paths under each old folder at the new one (longest folder first)."""
    for old, new in sorted(moves.items(), key=lambda kv: -len(kv[0])):
        if old == new:
            continue
        for model, columns in STORED_PATHS:
            for name in columns:
                col = getattr(model, name)
                prefix = old.rstrip("/") + "/"
                session.execute(
                    update(model)
                    .where(col.startswith(prefix, autoescape=True))
                    .values({name: literal(new.rstrip("/") + "/", Text).concat(func.substr(col, len(prefix) + 1))})
                )

"""Writing validated rows of one kind: new, changed and unchanged rows told apart by natural key
and row hash, inserted (PostgreSQL: COPY) or updated in chunks, inside the caller's transaction.
A row carries its column values, its row hash and its line hash (registry.ingest.line_hasher).
On PostgreSQL changed rows are copied into a temporary table and merged by one UPDATE when
the ingest finishes (`Upserter.finish`): a statement per changed row costs a round trip each."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from sqlalchemy import Connection, Table, UniqueConstraint, select
from sqlalchemy.schema import AddConstraint, DropConstraint

from registry.records import Kind


class Upserter:
    """Classifies validated rows as new / changed / unchanged and writes them in chunks."""

    def __init__(self, conn: Connection, kind: Kind):
        self.conn, self.kind = conn, kind
        self.empty = False  # set by defer_indexes_if_empty
        assert kind.model is not None  # only the ingested kinds (KINDS) have a table
        table = cast(Table, kind.model.__table__)  # a declarative model's table is a Table
        self.table = table
        cols = list(kind.fields) + ["row_hash", "line_hash"]
        self.cols = cols
        mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        self.insert_sql = f"INSERT INTO {table.name} ({', '.join(cols)}) VALUES ({', '.join([mark] * len(cols))})"
        non_key = [c for c in cols if c not in kind.key]
        self.update_sql = (
            f"UPDATE {table.name} SET {', '.join(f'{c} = {mark}' for c in non_key)} "
            f"WHERE {' AND '.join(f'{k} = {mark}' for k in kind.key)}"
        )
        self.reline_sql = (
            f"UPDATE {table.name} SET line_hash = {mark} WHERE {' AND '.join(f'{k} = {mark}' for k in kind.key)}"
        )
        self.key_idx = [kind.fields.index(k) for k in kind.key]
        self.non_key_idx = [cols.index(c) for c in non_key]
        self.postgresql = conn.dialect.name == "postgresql"
        self.staging = f"staged_{table.name}"
        self.staged = 0
        self.merge_sql = (
            f"UPDATE {table.name} AS t SET {', '.join(f'{c} = s.{c}' for c in non_key)} FROM {self.staging} AS s "
            f"WHERE {' AND '.join(f't.{k} = s.{k}' for k in kind.key)}"
        )

    def _copy(self, rows: list[tuple], table: str | None = None) -> None:
        """PostgreSQL's bulk path: COPY FROM STDIN in the same transaction."""
        columns = ", ".join(self.cols)
        driver = self.conn.connection.driver_connection
        assert driver is not None  # the connection is open: we are inside its transaction
        cursor = driver.cursor()
        with cursor.copy(f"COPY {table or self.table.name} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def _stage(self, rows: list[tuple]) -> None:
        """PostgreSQL: changed rows into the temporary table `finish` merges from."""
        if not self.staged:
            self.conn.exec_driver_sql(
                f"CREATE TEMP TABLE IF NOT EXISTS {self.staging} ON COMMIT DROP AS "
                f"SELECT {', '.join(self.cols)} FROM {self.table.name} WITH NO DATA"
            )
        self._copy(rows, self.staging)
        self.staged += len(rows)

    def finish(self) -> None:
        """Merge the changed rows staged on PostgreSQL (a key is staged once: a file's repeated
        key is quarantined before it is written)."""
        if self.staged:
            self.conn.exec_driver_sql(self.merge_sql)
            self.conn.exec_driver_sql(f"TRUNCATE {self.staging}")
            self.staged = 0

    def defer_indexes_if_empty(self) -> Callable[[], None]:
        """First load into an empty table: drop its non-unique indexes, to be rebuilt by the
        returned call at the end of the same transaction — building an index once is far
        cheaper than keeping it ordered through millions of random inserts. On PostgreSQL the
        natural key's unique constraint is deferred the same way (SQLite cannot drop one): the
        table was empty and a key repeated in the file is quarantined before it is written, so
        adding it back cannot fail; if it did, the whole file would roll back. Dropping takes
        the table's exclusive lock until the transaction ends, so no other writer adds a row
        meanwhile."""
        self.empty = self.conn.execute(select(self.table.c[self.kind.key[0]]).limit(1)).first() is None
        if not self.empty:
            return lambda: None
        indexes = [ix for ix in self.table.indexes if not ix.unique]
        keys = [
            c
            for c in self.table.constraints
            if isinstance(c, UniqueConstraint)
            and self.postgresql
            and [col.name for col in c.columns] == list(self.kind.key)
        ]
        for constraint in keys:
            self.conn.execute(DropConstraint(constraint))
        for index in indexes:
            index.drop(self.conn)

        def rebuild() -> None:
            for constraint in keys:
                self.conn.execute(AddConstraint(constraint))
            for index in indexes:
                index.create(self.conn)

        return rebuild

    def known_lines(self) -> dict[int, object]:
        """The line hash of every row that has one, with its natural key as registry.ingest's
        Duplicates holds it (the value, or a tuple of them for a composite key; dates as ISO text)."""
        t = self.table
        key_cols = [t.c[k] for k in self.kind.key]
        query = select(t.c.line_hash, *key_cols).where(t.c.line_hash.is_not(None))
        if len(key_cols) == 1:  # the driver's own cursor and tuples: a re-ingest loads millions
            sql = f"SELECT line_hash, {key_cols[0].name} FROM {t.name} WHERE line_hash IS NOT NULL"
            cursor = self.conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            try:
                cursor.execute(sql)
                return dict(cursor.fetchall())
            finally:
                cursor.close()
        return {r[0]: tuple(map(str, r[1:])) for r in self.conn.execute(query)}

    def key_of(self, values: tuple) -> tuple:
        return tuple(str(values[i]) for i in self.key_idx)

    def existing(self, keys: list[tuple]) -> dict[tuple, tuple[int, int | None]]:
        """The stored (row hash, line hash) of each of `keys` the table has."""
        t = self.table
        key_cols = [t.c[k] for k in self.kind.key]
        if len(key_cols) == 1 and self.postgresql:  # one array parameter, not thousands
            sql = f"SELECT {key_cols[0].name}, row_hash, line_hash FROM {t.name} WHERE {key_cols[0].name} = ANY(%s)"
            found = self.conn.exec_driver_sql(sql, ([k[0] for k in keys],)).fetchall()
            return {(r[0],): (r[1], r[2]) for r in found}
        if len(key_cols) == 1:
            cond = key_cols[0].in_([k[0] for k in keys])
        else:
            # Composite keys: narrow by the first column, then match the tuple in Python.
            cond = key_cols[0].in_(sorted({k[0] for k in keys}))
        rows = self.conn.execute(select(*key_cols, t.c.row_hash, t.c.line_hash).where(cond)).all()
        if len(key_cols) == 1:
            return {(str(r[0]),): (r[1], r[2]) for r in rows}
        return {tuple(map(str, r[:-2])): (r[-2], r[-1]) for r in rows}  # dates compare as ISO text

    def insert(self, rows: list[tuple]) -> None:
        if self.postgresql:
            self._copy(rows)
        else:
            self.conn.exec_driver_sql(self.insert_sql, rows)

    def write(self, rows: list[tuple], fresh: bool = False) -> tuple[int, int, int]:
        """`rows`: column values, their row hash, their line hash. Returns (stored, updated, unchanged).
        `fresh`: the table was empty when this run began and `rows` repeat no key of the run,
        so every row is new and none is looked up."""
        if fresh:
            self.insert(rows)
            return len(rows), 0, 0
        stored = updated = unchanged = 0
        keys = [self.key_of(v) for v in rows]
        known = self.existing(keys)
        inserts: dict[tuple, tuple] = {}
        updates: dict[tuple, tuple] = {}
        relined: list[tuple] = []
        for key, full in zip(keys, rows):
            h, line = full[-2], full[-1]
            seen = known.get(key)
            if seen is None:
                stored += 1
                inserts[key] = full
            elif seen[0] == h:
                unchanged += 1
                if line is not None and seen[1] != line:  # the same record from another line
                    relined.append((line, *(full[i] for i in self.key_idx)))
                continue
            else:
                updated += 1
                (inserts if key in inserts else updates)[key] = full
            known[key] = (h, line)
        if inserts:
            self.insert(list(inserts.values()))
        if updates and self.postgresql:
            self._stage(list(updates.values()))
        elif updates:
            params = [
                tuple(full[i] for i in self.non_key_idx) + tuple(full[i] for i in self.key_idx)
                for full in updates.values()
            ]
            self.conn.exec_driver_sql(self.update_sql, params)
        if relined:  # e.g. rows stored before line hashes: the next re-ingest skips their lines
            self.conn.exec_driver_sql(self.reline_sql, relined)
        return stored, updated, unchanged

"""Database helpers shared by services that write many rows at once."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection

#: Placeholders per IN list where keys cannot travel as one array (SQLite allows 32,766 variables from 3.32).
IN_CHUNK = 500


def insert_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Insert many rows: COPY on PostgreSQL (the fastest path the server offers), executemany elsewhere.

    Callers pass plain tuples in column order; no model instances are built. Run inside a transaction.
    """
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    name = connection.ops.quote_name(table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {name} ({quoted}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {name} ({quoted}) VALUES ({marks})", list(rows))


def select_by_keys(
    table: str, columns: Sequence[str], *, key: str, keys: Sequence[Any], where: dict[str, Any]
) -> list[tuple[Any, ...]]:
    """``SELECT columns FROM table WHERE <where, as column = value> AND key IN keys``, for thousands of keys.

    On PostgreSQL the keys travel as one array parameter (``key = ANY(%s)``): the query text stays short, whereas an
    IN list of 5,000 placeholders costs psycopg a client-side parse of the query on every call. Elsewhere: IN lists
    of at most `IN_CHUNK` placeholders. Values come back as the driver gives them (no model field conversion):
    meant for ids and text keys.
    """
    qn = connection.ops.quote_name
    select = f"SELECT {', '.join(qn(c) for c in columns)} FROM {qn(table)} WHERE "
    select += "".join(f"{qn(c)} = %s AND " for c in where)
    fixed = list(where.values())
    out: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"{select}{qn(key)} = ANY(%s)", [*fixed, list(keys)])
            out.extend(cursor.fetchall())
        else:
            for i in range(0, len(keys), IN_CHUNK):
                chunk = keys[i:i + IN_CHUNK]
                cursor.execute(f"{select}{qn(key)} IN ({', '.join(['%s'] * len(chunk))})", [*fixed, *chunk])
                out.extend(cursor.fetchall())
    return out


def update_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], *, key: str = "id",
                where: Sequence[str] = ()) -> int:
    """`UPDATE table SET col = … WHERE key = … [AND w = …]` for many rows: each row is the new values in `columns`
    order followed by the key and the values of the `where` columns (a guard: the row is updated only if it still
    holds them). Sent with executemany (pipelined by psycopg 3), which beats Django's CASE-based bulk_update by far.
    Run inside a transaction, on rows the caller has locked. Returns the number of rows updated."""
    rows = list(rows)
    if not rows:
        return 0
    q = connection.ops.quote_name
    assignments = ", ".join(f"{q(c)} = %s" for c in columns)
    guard = "".join(f" AND {q(c)} = %s" for c in where)
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {q(table)} SET {assignments} WHERE {q(key)} = %s{guard}", rows)
        return cursor.rowcount



class DeferredUpdate:
    """`UPDATE table SET columns … WHERE key = …` for many rows, collected during a long pass and applied at its end.

    On PostgreSQL `add` COPYs the rows into a private temporary table (no lock on `table` yet) and `apply` runs one
    ``UPDATE table SET … FROM tmp WHERE table.key = tmp.key`` per `batch` rows of it: set-based (no CASE WHEN over
    thousands of ids, as Django's bulk_update does; no statement per row), and the rows of `table` are locked only
    from `apply` to the commit that follows it — seconds — not for the whole pass. Elsewhere (SQLite, where a writer
    holds the whole database anyway) `add` runs a plain executemany UPDATE at once and `apply` does nothing.
    Each row is the new values in `columns` order followed by the key. Use inside one transaction.
    """

    def __init__(self, table: str, columns: Sequence[str], *, key: str = "id", batch: int = 5000) -> None:
        self.table, self.columns, self.key, self.batch = table, list(columns), key, batch
        self.postgres = connection.vendor == "postgresql"
        self.rows = 0
        self._tmp: str | None = None

    def add(self, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        self.rows += len(rows)
        if not self.postgres:
            update_rows(self.table, self.columns, rows, key=self.key)
            return
        q = connection.ops.quote_name
        quoted = ", ".join(q(c) for c in [*self.columns, self.key])
        with connection.cursor() as cursor:
            if self._tmp is None:
                self._tmp = q(f"_deferred_{self.table}")
                cursor.execute(f"DROP TABLE IF EXISTS {self._tmp}")
                cursor.execute(f"CREATE TEMPORARY TABLE {self._tmp} ON COMMIT DROP AS "
                               f"SELECT {quoted} FROM {q(self.table)} WITH NO DATA")
                cursor.execute(f"ALTER TABLE {self._tmp} ADD COLUMN _seq bigserial")
            with cursor.cursor.copy(f"COPY {self._tmp} ({quoted}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)

    def apply(self) -> None:
        if self._tmp is None:
            return
        q = connection.ops.quote_name
        assignments = ", ".join(f"{q(c)} = u.{q(c)}" for c in self.columns)
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE INDEX ON {self._tmp} (_seq)")
            cursor.execute(f"ANALYZE {self._tmp}")
            cursor.execute(f"SELECT min(_seq), max(_seq) FROM {self._tmp}")
            low, high = cursor.fetchone()
            for start in range(low, high + 1, self.batch):
                cursor.execute(
                    f"UPDATE {q(self.table)} AS t SET {assignments} FROM {self._tmp} AS u "
                    f"WHERE t.{q(self.key)} = u.{q(self.key)} AND u._seq >= %s AND u._seq < %s",
                    [start, start + self.batch])
            cursor.execute(f"DROP TABLE {self._tmp}")
        self._tmp = None


def connection_params() -> dict[str, Any]:
    """psycopg.connect's keyword arguments for the default database, as Django reads settings.DATABASES, without
    Django's cursor class and adapters: for a connection of its own outside Django's (the beat's advisory lock, held
    for the process's life) and for pg_dump's and pg_restore's environment (jingsu.ops.backup). PostgreSQL only."""
    params = connection.get_connection_params()
    for django_only in ("cursor_factory", "context", "prepare_threshold"):
        params.pop(django_only, None)
    return params

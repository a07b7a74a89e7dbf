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


def update_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], *, key: str = "id") -> None:
    """`UPDATE table SET col = … WHERE key = …` for many rows: each row is the new values in `columns` order followed
    by the key. Sent with executemany (pipelined by psycopg 3), which beats Django's CASE-based bulk_update by far.
    Run inside a transaction, on rows the caller has locked."""
    rows = list(rows)
    if not rows:
        return
    q = connection.ops.quote_name
    assignments = ", ".join(f"{q(c)} = %s" for c in columns)
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {q(table)} SET {assignments} WHERE {q(key)} = %s", rows)


def update_rows_set(table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], *, key: str = "id") -> None:
    """Set-based `update_rows`: each row is the new values in `columns` order followed by the key.

    On PostgreSQL the rows are COPYed into a temporary table shaped like `table` and applied with one
    ``UPDATE table SET … FROM tmp WHERE table.key = tmp.key``: one statement per call, no CASE WHEN over thousands of
    ids (Django's bulk_update), no statement per row. Callers pass batches (the roll import passes 5,000 rows), so
    each statement runs for a fraction of a second. Elsewhere (SQLite): executemany of a plain UPDATE.
    Run inside a transaction.
    """
    if not rows:
        return
    if connection.vendor != "postgresql":
        update_rows(table, columns, rows, key=key)
        return
    q = connection.ops.quote_name
    tmp = q(f"_upd_{table}")
    cols = [*columns, key]
    quoted = ", ".join(q(c) for c in cols)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {tmp}")
        cursor.execute(f"CREATE TEMPORARY TABLE {tmp} ON COMMIT DROP AS SELECT {quoted} FROM {q(table)} WITH NO DATA")
        with cursor.cursor.copy(f"COPY {tmp} ({quoted}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        assignments = ", ".join(f"{q(c)} = u.{q(c)}" for c in columns)
        cursor.execute(f"UPDATE {q(table)} AS t SET {assignments} FROM {tmp} AS u WHERE t.{q(key)} = u.{q(key)}")
        cursor.execute(f"DROP TABLE {tmp}")

"""State machines: one transition table per model whose `status` moves, and the guarded writes that go through it.

Three models have one: `notices.Campaign`, `notices.Notice` and `delivery.DeliveryAttempt` (their tables are next to
the models; docs/architecture.md "State machines" draws them). The table says which moves exist; every status change
goes through the model's machine and nowhere else (tests/foundation/test_status_writes.py fails on a status written
anywhere else; creating a row in one of its initial statuses is not a move):

- `move(obj, to, …)`: one row. ``UPDATE … WHERE pk = … AND status = <the status obj holds>`` plus a history row, in
  one transaction; False when another process moved the row first (rowcount 0), so a task that runs twice is harmless.
- `move_many(moves, …)`: rows the caller holds (locked with SELECT … FOR UPDATE, or in a transaction SQLite
  serialises), each from the status its instance holds; one row may move several times in one batch (its history
  rows come in the order given, the UPDATE writes where it ends). Set-based: one ``UPDATE … WHERE id IN (…) AND
  status = <from>`` per (from, to) group when the rows get the same values, else one pipelined executemany of
  ``UPDATE … WHERE id = … AND status = <from>``; then one bulk insert of the history rows.
- `move_where(queryset, to, …)`: the rows a condition selects, from whichever status the table allows (or the ones
  named): they are locked and read (id, status), then moved as `move_many` moves them.
- `claim(queryset, to, limit=…)`: up to `limit` rows no other process holds (SELECT … FOR UPDATE SKIP LOCKED), moved
  and returned; on PostgreSQL the lock, the guarded UPDATE and the history rows are one statement (a data-modifying
  CTE), so a worker's claim is one round trip.
- `move_returning(moves, …)`: each row once, where it still holds the status its instance holds; rows another process
  moved meanwhile are left alone and not an error (their ids are not returned); on PostgreSQL one statement
  (``WITH moved AS (UPDATE … RETURNING …) INSERT INTO <history> SELECT … FROM moved``).
On PostgreSQL `move_many` with `fields` also writes its UPDATE and its history rows in one statement.

A move the table does not allow raises `IllegalTransition` before anything is written (a programming error, not a
race). The time of a move is the caller's (`at`, from the injected clock); nothing here reads the clock.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection, models, transaction

from jingsu.core.db import insert_rows, update_rows

CHUNK = 5000  # ids per UPDATE … WHERE id IN (…)
SMALL_INSERT = 1000  # history rows written with one INSERT; more go by COPY (PostgreSQL)


class IllegalTransition(Exception):
    """A move the machine's table does not allow."""


class StaleStatus(Exception):
    """`move_many` found rows not in the status their instances held: the caller did not lock them."""


class Machine:
    """A transition table: status → the statuses it may move to. `initial`: the statuses a row may be created in."""

    def __init__(self, name: str, table: Mapping[str, Iterable[str]], *, initial: Iterable[str]) -> None:
        self.name = name
        self.table: dict[str, frozenset[str]] = {str(s): frozenset(str(t) for t in nxt) for s, nxt in table.items()}
        unknown = {t for nxt in self.table.values() for t in nxt} - set(self.table)
        if unknown:
            raise ValueError(f"{name}: moves to statuses the table does not list: {sorted(unknown)}")
        self.initial = frozenset(str(s) for s in initial)
        self.final = frozenset(s for s, nxt in self.table.items() if not nxt)

    def allows(self, frm: str, to: str) -> bool:
        return to in self.table.get(frm, ())

    def check(self, frm: str, to: str, what: object = "") -> None:
        if not self.allows(frm, to):
            raise IllegalTransition(f"{self.name}: {frm} → {to}" + (f" ({what})" if what != "" else ""))

    def sources(self, to: str) -> tuple[str, ...]:
        """The statuses `to` may be reached from in one move, in the table's order."""
        return tuple(s for s, nxt in self.table.items() if to in nxt)

    def moves(self) -> list[tuple[str, str]]:
        """Every allowed move (from, to), in the table's order."""
        return [(s, t) for s, nxt in self.table.items() for t in sorted(nxt)]

    def reachable(self, status: str) -> frozenset[str]:
        """Every status a row in `status` can still reach, in one move or more."""
        seen: set[str] = set()
        frontier = [status]
        while frontier:
            for nxt in self.table[frontier.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    frontier.append(nxt)
        return frozenset(seen)


class Mover:
    """The writes of one machine: guarded status UPDATEs on `model` and history rows in `history`.

    `owner`: the history's column naming the moved row (e.g. "attempt_id"); `notes`: the history's columns filled
    per move (e.g. ("code",) or ("actor", "reason")); `stamp`: a column of the row set to the move's time on every
    move (DeliveryAttempt.updated_at); `code_field`: a column of the row a non-empty `code` note is also written to
    (DeliveryAttempt.result_code)."""

    def __init__(self, machine: Machine, model: type[models.Model], history: type[models.Model], *, owner: str,
                 notes: Sequence[str], stamp: str | None = None, code_field: str | None = None) -> None:
        self.machine, self.model, self.history = machine, model, history
        self.owner, self.notes, self.stamp, self.code_field = owner, tuple(notes), stamp, code_field

    # --- one row --------------------------------------------------------------------------------------------------

    def move(self, obj: Any, to: str, *, at: datetime, notes: Mapping[str, str], fields: Mapping[str, Any]) -> bool:
        frm = obj.status
        self.machine.check(frm, to, obj)
        values: dict[str, Any] = {"status": to, **fields}
        if self.stamp:
            values[self.stamp] = at
        code = notes.get("code", "")
        if self.code_field and code:
            values[self.code_field] = code
        with transaction.atomic():
            if not self.model._default_manager.filter(pk=obj.pk, status=frm).update(**values):
                return False
            self._insert([(obj.pk, frm, to, at, *(notes.get(n, "") for n in self.notes))])
        for name, value in values.items():
            setattr(obj, name, value)
        return True

    # --- many rows ------------------------------------------------------------------------------------------------

    def move_many(self, moves: Iterable[tuple[Any, str] | tuple[Any, str, Mapping[str, str]]], *, at: datetime,
                  notes: Mapping[str, str], fields: Sequence[str] = ()) -> int:
        """Move rows the caller holds (see the module docstring); `fields`: further columns written from each
        instance. Returns how many rows moved; raises StaleStatus (and writes nothing that stays: the caller's
        transaction rolls back) if one was not where its instance said."""
        plans: dict[Any, list[Any]] = {}  # pk → [obj, held status, status after the moves so far, last code]
        events: list[tuple[Any, ...]] = []
        for move in moves:
            obj, to = move[0], move[1]
            note = {**notes, **move[2]} if len(move) > 2 else notes  # type: ignore[misc]
            plan = plans.get(obj.pk)
            if plan is None:
                plan = plans[obj.pk] = [obj, obj.status, obj.status, None]
            self.machine.check(plan[2], to, obj)
            events.append((obj.pk, plan[2], to, at, *(note.get(n, "") for n in self.notes)))
            plan[2] = to
            if self.code_field and note.get("code"):
                plan[3] = note["code"]
        if not plans:
            return 0
        with transaction.atomic(savepoint=False):  # the caller's transaction, if any: no savepoint
            if fields and connection.vendor == "postgresql" and len(events) <= SMALL_INSERT:
                # the rows' UPDATE and their history rows in one statement (one round trip)
                moved = self._write_rows(plans.values(), at, fields, events)
                events = []
            elif fields:
                moved = self._write_rows(plans.values(), at, fields)
            else:
                moved = sum(self._write_group(pks, start, end, at, code)
                            for (start, end, code), pks in self._grouped(plans).items())
            if moved != len(plans):
                raise StaleStatus(f"{self.machine.name}: {len(plans) - moved} of {len(plans)} rows were not in the "
                                  "status their instances held (lock them before moving them)")
            self._insert(events)
        for obj, _, end, code in plans.values():
            obj.status = end
            if self.stamp:
                setattr(obj, self.stamp, at)
            if code is not None and self.code_field:
                setattr(obj, self.code_field, code)
        return len(plans)

    def move_where(self, queryset: models.QuerySet[Any], to: str, *, at: datetime, notes: Mapping[str, str],
                   sources: Iterable[str] | None = None, values: Mapping[str, Any] | None = None) -> list[Any]:
        """Move the rows `queryset` selects that are in one of `sources` (default: every status the table allows
        `to` from) to `to`; `values`: further columns set on each. Returns the moved rows' ids."""
        froms = self.machine.sources(to) if sources is None else tuple(sources)
        for frm in froms:
            self.machine.check(frm, to)
        code = notes.get("code") or None
        with transaction.atomic(savepoint=False):  # the caller's transaction, if any: no savepoint
            rows = list(queryset.filter(status__in=froms).select_for_update(of=("self",)).order_by("pk")
                        .values_list("pk", "status"))
            by_status: dict[str, list[Any]] = defaultdict(list)
            for pk, status in rows:
                by_status[status].append(pk)
            moved = sum(self._write_group(pks, frm, to, at, code, values) for frm, pks in by_status.items())
            if moved != len(rows):
                raise StaleStatus(f"{self.machine.name}: {len(rows) - moved} locked rows did not move")
            self._insert([(pk, status, to, at, *(notes.get(n, "") for n in self.notes)) for pk, status in rows])
        return [pk for pk, _ in rows]

    def claim(self, queryset: models.QuerySet[Any], to: str, *, limit: int, at: datetime,
              notes: Mapping[str, str], sources: Iterable[str]) -> list[Any]:
        """Lock up to `limit` rows of `queryset` (in its order) that are in one of `sources` and no other process
        holds, move them to `to` and return them (as they are after the move). PostgreSQL: one statement,
        ``WITH picked AS (SELECT … FOR UPDATE SKIP LOCKED LIMIT n), moved AS (UPDATE … FROM picked WHERE id = …
        AND status = <picked's> RETURNING …), history AS (INSERT … SELECT … FROM moved) SELECT … FROM moved``: the
        guarded move and its history rows in one round trip. Elsewhere (SQLite serialises writers): the rows are
        read, then moved as `move_many` moves them."""
        froms = tuple(sources)
        for frm in froms:
            self.machine.check(frm, to)
        qs = queryset.filter(status__in=froms)
        with transaction.atomic(savepoint=False):  # the caller's transaction, if any: no savepoint
            if connection.vendor != "postgresql":
                rows = list(qs[:limit])
                if rows:
                    self.move_many([(r, to) for r in rows], at=at, notes=notes)
                return rows
            picked = qs.select_for_update(skip_locked=True).values_list("pk", "status")[:limit]
            try:
                select, select_params = picked.query.get_compiler(connection=connection).as_sql()
            except EmptyResultSet:  # a condition no row can meet (e.g. campaign IN ())
                return []
            q = connection.ops.quote_name
            table, pk = q(self.model._meta.db_table), q(self.model._meta.pk.column)
            columns = [f.column for f in self.model._meta.concrete_fields]
            values: dict[str, Any] = {"status": to}
            if self.stamp:
                values[self.stamp] = at
            code = notes.get("code") or None
            if code is not None and self.code_field:
                values[self.code_field] = code
            history = self.history._meta.db_table
            hist_columns = [self.owner, "from_status", "to_status", "at", *self.notes]
            sql = (f"WITH picked (id, held) AS ({select}), "
                   f"moved AS (UPDATE {table} AS t SET {', '.join(f'{q(c)} = %s' for c in values)} FROM picked "
                   f"WHERE t.{pk} = picked.id AND t.{q('status')} = picked.held "
                   f"RETURNING {', '.join(f't.{q(c)}' for c in columns)}, picked.held AS _held), "
                   f"history AS (INSERT INTO {q(history)} ({', '.join(q(c) for c in hist_columns)}) "
                   f"SELECT {pk}, _held, %s, %s{', %s' * len(self.notes)} FROM moved) "
                   f"SELECT {', '.join(q(c) for c in columns)} FROM moved ORDER BY {pk}")
            params = [*select_params, *values.values(), to, at, *(notes.get(n, "") for n in self.notes)]
            return list(self.model._default_manager.raw(sql, params))

    def move_returning(self, moves: Iterable[tuple[Any, str, Mapping[str, str]]], *, at: datetime,
                       fields: Sequence[str] = ()) -> set[Any]:
        """Move each row once, from the status its instance holds, where it still holds it; a row another process
        moved meanwhile is left alone (not an error, unlike `move_many`). `fields`: further columns written from
        each instance. PostgreSQL: one statement, ``WITH moved AS (UPDATE … FROM UNNEST(…) WHERE id = … AND status
        = <held> RETURNING id), … INSERT INTO history SELECT … FROM moved`` — the guarded moves, their history rows
        for the rows that moved, nothing for the others; elsewhere the rows are locked and re-read, then moved with
        `move_many`. Returns the primary keys of the rows that moved (their instances are updated; the others' are
        left as they were)."""
        moves = list(moves)
        if not moves:
            return set()
        seen: set[Any] = set()
        for obj, to, _ in moves:
            if obj.pk in seen:
                raise ValueError(f"{self.machine.name}: move_returning moves each row once ({obj.pk})")
            seen.add(obj.pk)
            self.machine.check(obj.status, to, obj)
        with transaction.atomic(savepoint=False):
            if connection.vendor != "postgresql":
                held = {obj.pk: obj.status for obj, _, _ in moves}
                still = {pk for pk, status in self.model._default_manager.select_for_update()
                         .filter(pk__in=list(held)).values_list("pk", "status") if held[pk] == status}
                mine = [(obj, to, note) for obj, to, note in moves if obj.pk in still]
                if mine:
                    self.move_many(mine, at=at, notes={}, fields=fields)
                return still
            columns = ["status"]
            if self.stamp:
                columns.append(self.stamp)
            if self.code_field and self.code_field not in fields:
                columns.append(self.code_field)
            columns += [f for f in fields if f not in columns]
            rows = []
            for obj, to, note in moves:
                row: dict[str, Any] = {"status": to}
                if self.stamp:
                    row[self.stamp] = at
                if self.code_field and note.get("code"):
                    row[self.code_field] = note["code"]
                rows.append((*(row[c] if c in row else getattr(obj, c) for c in columns), obj.pk, obj.status,
                             *(note.get(n, "") for n in self.notes)))
            q = connection.ops.quote_name
            notes = [f"_n_{n}" for n in self.notes]
            names = [*columns, "_pk", "_held", *notes]
            types = [*_db_types(self.model, [*columns, "pk", "status"]), *_db_types(self.history, self.notes)]
            items = [f"%s::{t}[]" for t in types]
            source = f"UNNEST({', '.join(items)}) AS u({', '.join(q(c) for c in names)})"
            table, pk = q(self.model._meta.db_table), q(self.model._meta.pk.column)
            hist_columns = [self.owner, "from_status", "to_status", "at", *self.notes]
            sql = (f"WITH moved AS (UPDATE {table} AS t SET {', '.join(f'{q(c)} = u.{q(c)}' for c in columns)} "
                   f"FROM {source} WHERE t.{pk} = u.{q('_pk')} AND t.{q('status')} = u.{q('_held')} "
                   f"RETURNING u.*), "
                   f"history AS (INSERT INTO {q(self.history._meta.db_table)} "
                   f"({', '.join(q(c) for c in hist_columns)}) "
                   f"SELECT {q('_pk')}, {q('_held')}, {q('status')}, %s{''.join(f', {q(n)}' for n in notes)} "
                   f"FROM moved) "
                   f"SELECT {q('_pk')} FROM moved")
            with connection.cursor() as cursor:
                cursor.execute(sql, [*(list(col) for col in zip(*rows, strict=True)), at])
                moved = {pk_ for (pk_,) in cursor.fetchall()}
        for obj, to, note in moves:
            if obj.pk in moved:
                obj.status = to
                if self.stamp:
                    setattr(obj, self.stamp, at)
                if self.code_field and note.get("code"):
                    setattr(obj, self.code_field, note["code"])
        return moved

    # --- writing --------------------------------------------------------------------------------------------------

    @staticmethod
    def _grouped(plans: Mapping[Any, list[Any]]) -> dict[tuple[str, str, str | None], list[Any]]:
        groups: dict[tuple[str, str, str | None], list[Any]] = defaultdict(list)
        for pk, (_, start, end, code) in plans.items():
            groups[(start, end, code)].append(pk)
        return groups

    def _write_group(self, pks: Sequence[Any], frm: str, to: str, at: datetime, code: str | None,
                     extra: Mapping[str, Any] | None = None) -> int:
        """``UPDATE … SET status = to … WHERE id IN (pks) AND status = frm``, in chunks; the rows updated."""
        values: dict[str, Any] = {"status": to, **(extra or {})}
        if self.stamp:
            values[self.stamp] = at
        if code is not None and self.code_field:
            values[self.code_field] = code
        manager = self.model._default_manager
        return sum(manager.filter(pk__in=pks[i:i + CHUNK], status=frm).update(**values)
                   for i in range(0, len(pks), CHUNK))

    def _write_rows(self, plans: Iterable[list[Any]], at: datetime, fields: Sequence[str],
                    events: Sequence[tuple[Any, ...]] = ()) -> int:
        """Each row its own values. PostgreSQL: one ``UPDATE … FROM UNNEST(<one array per column>) WHERE id = … AND
        status = <held>`` (with `events`, PostgreSQL only: ``WITH moved AS (that UPDATE RETURNING 1), history AS
        (INSERT <the history rows>) SELECT count(*) FROM moved`` — both in one statement); elsewhere an executemany
        of the same guarded UPDATE per row."""
        columns = ["status"]
        if self.stamp:
            columns.append(self.stamp)
        plans = list(plans)
        if self.code_field and self.code_field not in fields and any(p[3] is not None for p in plans):
            columns.append(self.code_field)
        columns += [f for f in fields if f not in columns]
        rows = []
        for obj, start, end, code in plans:
            row: dict[str, Any] = {"status": end}
            if self.stamp:
                row[self.stamp] = at
            if self.code_field and code is not None:
                row[self.code_field] = code
            rows.append((*(row[c] if c in row else getattr(obj, c) for c in columns), obj.pk, start))
        if connection.vendor == "postgresql":
            if events:
                update, params = _update_unnest_sql(self.model, columns, rows)
                insert, insert_params = self._insert_sql(events)
                with connection.cursor() as cursor:
                    cursor.execute(f"WITH moved AS ({update} RETURNING 1), history AS ({insert}) "
                                   "SELECT count(*) FROM moved", [*params, *insert_params])
                    return int(cursor.fetchone()[0])
            return _update_unnest(self.model, columns, rows)
        return update_rows(self.model._meta.db_table, columns, _adapted(self.model, [*columns, "pk", "status"], rows),
                           where=("status",))

    def _insert(self, events: Sequence[tuple[Any, ...]]) -> None:
        """The history rows. PostgreSQL: ``INSERT … SELECT * FROM UNNEST(<one array per column>)`` for a batch's
        worth, COPY beyond; elsewhere one multi-row INSERT (executemany beyond)."""
        if not events:
            return
        columns = [self.owner, "from_status", "to_status", "at", *self.notes]
        table = self.history._meta.db_table
        q = connection.ops.quote_name
        if len(events) > SMALL_INSERT:
            insert_rows(table, columns, _adapted(self.history, columns, events))
        elif connection.vendor == "postgresql":
            sql, params = self._insert_sql(events)
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
        else:
            row = f"({', '.join(['%s'] * len(columns))})"
            with connection.cursor() as cursor:
                cursor.execute(f"INSERT INTO {q(table)} ({', '.join(q(c) for c in columns)}) VALUES "
                               + ", ".join([row] * len(events)),
                               [v for e in _adapted(self.history, columns, events) for v in e])

    def _insert_sql(self, events: Sequence[tuple[Any, ...]]) -> tuple[str, list[Any]]:
        """PostgreSQL: ``INSERT INTO <history> … SELECT … FROM UNNEST(…)`` for `events`, and its parameters."""
        columns = [self.owner, "from_status", "to_status", "at", *self.notes]
        q = connection.ops.quote_name
        exprs, constants, source, arrays = _unnest(columns, _db_types(self.history, columns), events,
                                                   arrays=(self.owner,))
        return (f"INSERT INTO {q(self.history._meta.db_table)} ({', '.join(q(c) for c in columns)}) "
                f"SELECT {', '.join(exprs[c] for c in columns)} FROM {source}", [*constants, *arrays])


def _field(model: type[models.Model], column: str) -> models.Field[Any, Any]:
    return model._meta.pk if column == "pk" else model._meta.get_field(column)  # type: ignore[return-value]


_DB_TYPES: dict[tuple[type[models.Model], str], str] = {}


def _db_types(model: type[models.Model], columns: Sequence[str]) -> list[str]:
    """The columns' PostgreSQL types (for the casts of set-based writes), looked up once per process."""
    out = []
    for c in columns:
        t = _DB_TYPES.get((model, c))
        if t is None:
            t = _DB_TYPES[(model, c)] = _field(model, c).db_type(connection) or "text"
        out.append(t)
    return out


def _unnest(columns: Sequence[str], types: Sequence[str], rows: Sequence[tuple[Any, ...]], *,
            arrays: Sequence[str]) -> tuple[dict[str, str], list[Any], str, list[Any]]:
    """PostgreSQL: the columns of `rows` as a set-based source. A column whose value is the same in every row is one
    parameter (`%s::type`), the others arrays read with ``UNNEST(…) AS u(…)``; the columns in `arrays` are always
    arrays. Returns (column → its expression, the constants' parameters in `columns` order, the FROM item, the
    arrays' parameters)."""
    q = connection.ops.quote_name
    exprs: dict[str, str] = {}
    constants: list[Any] = []
    items: list[str] = []
    names: list[str] = []
    array_params: list[Any] = []
    for c, t, values in zip(columns, types, zip(*rows, strict=True), strict=True):
        if c not in arrays and all(v == values[0] for v in values):
            exprs[c] = f"%s::{t}"
            constants.append(values[0])
        else:
            exprs[c] = f"u.{q(c)}"
            items.append(f"%s::{t}[]")
            names.append(q(c))
            array_params.append(list(values))
    return exprs, constants, f"UNNEST({', '.join(items)}) AS u({', '.join(names)})", array_params


def _update_unnest(model: type[models.Model], columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> int:
    """PostgreSQL: rows of (values in `columns` order, pk, the status held) as one guarded, set-based UPDATE."""
    sql, params = _update_unnest_sql(model, columns, rows)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _update_unnest_sql(model: type[models.Model], columns: Sequence[str],
                       rows: Sequence[tuple[Any, ...]]) -> tuple[str, list[Any]]:
    """The text and parameters of `_update_unnest`'s UPDATE."""
    q = connection.ops.quote_name
    names = [*columns, "_pk", "_held"]
    exprs, constants, source, arrays = _unnest(names, _db_types(model, [*columns, "pk", "status"]), rows,
                                               arrays=("_pk",))
    held = exprs.pop("_held")
    sql = (f"UPDATE {q(model._meta.db_table)} AS t SET {', '.join(f'{q(c)} = {exprs[c]}' for c in columns)} "
           f"FROM {source} WHERE t.{q(model._meta.pk.column)} = u.{q('_pk')} AND t.{q('status')} = {held}")
    # the parameters in the order the text names them: the constants of SET, the arrays, then the status held
    params = [*constants[:-1], *arrays, constants[-1]] if held.startswith("%s") else [*constants, *arrays]
    return sql, params


def _adapted(model: type[models.Model], columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> Sequence[tuple[Any, ...]]:
    """Rows of Python values as the database stores them. PostgreSQL's driver takes them as they are (the fast path
    of the dispatch); elsewhere (SQLite) each goes through its field, so a time is stored as Django stores it."""
    if connection.vendor == "postgresql":
        return rows
    fields = [_field(model, c) for c in columns]
    return [tuple(f.get_db_prep_save(v, connection) for f, v in zip(fields, row, strict=True)) for row in rows]

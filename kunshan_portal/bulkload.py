"""Bulk loads with PostgreSQL ``COPY``, history included, for the demo and the city-scale data set.

Every tracked model has pghistory's row trigger, which writes one "insert" event per row: a PL/pgSQL call,
a context look-up and an insert each, several times the cost of the row itself. ``copy_rows`` skips that
trigger for its own ``COPY`` (through pgtrigger's ``pgtrigger.ignore`` setting, for that statement only)
and writes the very same events for the whole batch in one ``INSERT … SELECT``: same label, same fields,
same context, so the history of a bulk-loaded row is what the trigger would have written.
"""

import io
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from decimal import Decimal
from enum import Enum
from functools import cache

import pgtrigger
from django.db import connection, connections, transaction

_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_value(value) -> str:
    """One value in COPY's text format: None, str, int, bool, a choice (its value), Decimal, a list or
    tuple (an array), date, datetime."""
    if value is None:
        return r"\N"
    kind = type(value)
    if kind is str:
        return value.translate(_COPY_ESCAPES)
    if kind is int:
        return str(value)
    if kind is bool:
        return "t" if value else "f"
    if isinstance(value, Enum):
        return copy_value(value.value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return "{" + ",".join(str(v) for v in value) + "}"
    return value.isoformat()  # date, datetime


def next_ids(model, count: int) -> list[int]:
    """The next ``count`` ids of the model's sequence, reserved."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count]
        )
        return [row[0] for row in cursor.fetchall()]


@cache
def insert_history(model) -> tuple[str, str, str, list[str]] | None:
    """(trigger name in PostgreSQL, event table, label, tracked columns) of the model's insert history."""
    for tracked, trigger in pgtrigger.registered():
        event_model = getattr(trigger, "event_model", None)
        if tracked is model and event_model is not None and trigger.name == "insert_insert":
            columns = [
                field.column
                for field in event_model._meta.concrete_fields
                if not field.name.startswith("pgh_")
            ]
            return trigger.get_pgid(model), event_model._meta.db_table, trigger.label, columns
    return None


def _write_events(cursor, model, history, ids: list[int]) -> None:
    _trigger, event_table, label, columns = history
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    cursor.execute("SELECT _pgh_attach_context()")  # the context (if any) the trigger would have used
    context = cursor.fetchone()[0]
    pk, table = quote(model._meta.pk.column), quote(model._meta.db_table)
    # only quoted names of the models' own tables and columns are formatted in
    into = (
        f"INSERT INTO {quote(event_table)} (pgh_created_at, pgh_label, pgh_obj_id, pgh_context_id, {names})"
    )
    sql = f"{into} SELECT NOW(), %s, {pk}, %s, {names} FROM {table} WHERE {pk} = ANY(%s)"  # noqa: S608
    cursor.execute(sql, [label, context, ids])


def copy_rows(model, columns: list[str], rows) -> int:
    """COPY the rows (tuples in the order of ``columns``, field names) into the model's table; returns
    how many.

    For a model with history, the rows get ids from the sequence (unless given) and their insert events
    are written in one statement after the COPY, in the same transaction."""
    rows = list(rows)
    if not rows:
        return 0
    history = insert_history(model)
    if history is not None and "id" not in columns:
        ids = next_ids(model, len(rows))
        columns = ["id", *columns]
        rows = [(pk, *row) for pk, row in zip(ids, rows, strict=True)]
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(model._meta.get_field(c).column) for c in columns)
    buffer = io.StringIO("".join("\t".join(copy_value(v) for v in row) + "\n" for row in rows))
    with transaction.atomic(), connection.cursor() as cursor:
        if history is None:
            cursor.cursor.copy_expert(f"COPY {table} ({names}) FROM STDIN", buffer)
            return len(rows)
        cursor.execute("SELECT current_setting('pgtrigger.ignore', true)")
        before = cursor.fetchone()[0] or "{}"
        ignored = before[:-1] + ("," if before != "{}" else "") + history[0] + "}"
        cursor.execute("SELECT set_config('pgtrigger.ignore', %s, true)", [ignored])
        cursor.cursor.copy_expert(f"COPY {table} ({names}) FROM STDIN", buffer)  # a failure undoes both
        cursor.execute("SELECT set_config('pgtrigger.ignore', %s, true)", [before])
        index = columns.index("id")
        _write_events(cursor, model, history, [row[index] for row in rows])
    return len(rows)


_INHERITED: list = []  # the parent's database connections, held (never closed) by a forked worker


def _detach_inherited_connections() -> None:
    """In a new worker: leave the parent's database connections alone (closing one would end the parent's
    session) and open a connection of its own on first use."""
    for inherited in connections.all(initialized_only=True):
        _INHERITED.append(inherited.connection)
        inherited.connection = None


@contextmanager
def forked_workers(count: int, *, close_connections: bool = True):
    """A pool of ``count`` worker processes forked from this one, so that they inherit its settings and
    module state (what a bulk load shares with them goes in a module global before the first submit).
    With ``close_connections``, this process closes its database connections first (it must not be inside
    a transaction); each worker opens its own."""
    if close_connections:
        connections.close_all()
    pool = ProcessPoolExecutor(
        max_workers=count,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_detach_inherited_connections,
    )
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)

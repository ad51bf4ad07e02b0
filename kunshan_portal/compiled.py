"""Small reads whose SQL Django compiles once per process (``CompiledQuery``, ``CompiledModelQuery``).

Building and compiling a small queryset costs Django 0.4–1 ms of Python, several times the database's own
time for an indexed read of a few rows. The resident's own page reads such a list from every domain (their
applications of every kind): there it was a third of the page's time. Every page a resident opens also reads
their account and their record by key: ``CompiledModelQuery`` gives such reads as model instances.

Only the keys may change from one call to the next: a queryset whose other parameters depend on the moment
(``timezone.now()``), the language or the settings must not be compiled once.
"""

import hashlib
import itertools
import re
from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.db.models import QuerySet
from django.db.models.query import ModelIterable, get_related_populators, prefetch_related_objects
from pghistory.runtime import _inject_history_context as history_mark

# Stand-ins for the keys while the query is compiled: numbers no row has (or text no key is), found again
# among its parameters.
MARKERS = (-7_340_000_001, -7_340_000_002, -7_340_000_003)
TEXT_MARKERS = ("\x1fkey-1\x1f", "\x1fkey-2\x1f", "\x1fkey-3\x1f")


class CompiledQuery:
    """A ``values_list`` read that Django compiles to SQL once per process, then sends with each call's keys.

    ``build(*keys)`` returns the queryset for the given integer keys (primary or foreign keys compared
    with a column), or text keys where ``text_keys`` says so (an API token). It is built once, with
    markers in the keys' places; each call sends the SQL
    kept from it with the markers' parameters replaced by its own keys. Rows come back as tuples, as
    ``values_list`` gives them, without the ORM's conversions of column values: use it for columns the
    driver returns as Django would (text, numbers, dates and times), not for JSON or arrays.
    """

    def __init__(self, build: Callable[..., QuerySet], *, text_keys: bool = False):
        self._build = build
        self._key = str if text_keys else int
        self._compiled: tuple[str, tuple, list[list[int]]] | None = None

    def _markers(self) -> tuple:
        return (TEXT_MARKERS if self._key is str else MARKERS)[: self._build.__code__.co_argcount]

    def _compile(self) -> tuple[str, tuple, list[list[int]]]:
        markers = self._markers()
        sql, params = self._build(*markers).query.sql_with_params()
        return _with_places(markers, sql, params)

    def rows(self, *keys: int) -> list[tuple]:
        """The rows for these keys, in the queryset's order."""
        if self._compiled is None:
            self._compiled = self._compile()
        sql, params, places = self._compiled
        values = list(params)
        for key, positions in zip(keys, places, strict=True):
            for position in positions:
                values[position] = self._key(key)
        with connection.cursor() as cursor:
            execute_prepared(cursor, sql, values)
            return cursor.fetchall()


def _prepared_on(db) -> set[str] | None:
    """The names of the statements prepared in ``db``'s current session, or None where nothing is prepared:
    where sessions end with each request (CONN_MAX_AGE 0: the embedded database of ``make run``), as
    preparing would only add a round trip, and where ``KUNSHAN_PREPARED_STATEMENTS`` is off. A new session
    (a reconnection) starts with none."""
    if not (db.settings_dict.get("CONN_MAX_AGE") and settings.KUNSHAN_PREPARED_STATEMENTS):
        return None
    kept = getattr(db, "_kunshan_prepared", None)
    if kept is None or kept[0] is not db.connection:
        kept = db._kunshan_prepared = (db.connection, set())
    return kept[1]


_STATEMENTS: dict[str, tuple[str, str, str]] = {}  # SQL → (name, SQL to prepare, SQL as a comment)


def _statement(sql: str) -> tuple[str, str, str]:
    statement = _STATEMENTS.get(sql)
    if statement is None:
        numbers = itertools.count(1)
        text = re.sub(r"%%|%s", lambda m: "%" if m.group() == "%%" else f"${next(numbers)}", sql)
        shown = " ".join(sql.split()).replace("/*", "/ *").replace("*/", "* /").replace("%", "%%")
        name = "kp_" + hashlib.sha256(sql.encode()).hexdigest()[:24]
        statement = _STATEMENTS[sql] = (name, text, shown)
    return statement


def execute_prepared(cursor, sql: str, params) -> None:
    """``cursor.execute(sql, params)`` for a read sent many times with other parameters, as a statement
    PostgreSQL prepares once per session: its planner then stops planning it anew on every call.

    Planning was half of the database's time on the portal's pages: a resident's record or a housing offer
    with what it joins took 0.2–1.3 ms to plan and 0.02 ms to run. The first time a session sends the
    statement it is prepared (``PREPARE``, which outlives a rolled-back transaction; not logged, as part of
    the read); each call then sends ``EXECUTE`` with the parameters and the statement's SQL as a comment,
    so that Django's query log and the server's show what ran. PostgreSQL keeps a generic plan where it
    costs no more than one planned for the values. The SQL takes its parameters positionally (``%s``) and
    is one read (``SELECT``).

    django-pghistory marks every statement of a request with the request's context for its history
    triggers (``set_config`` twice, and the context as JSON), but passes over reads, which it knows by
    their first word, SELECT. An ``EXECUTE`` is sent without its mark: it is a read too."""
    if sql.lstrip()[:6].upper() != "SELECT":
        raise ValueError("Only reads (SELECT) are sent as prepared statements.")
    prepared = _prepared_on(cursor.db)
    if prepared is None:
        cursor.execute(sql, params)
        return
    name, text, shown = _statement(sql)
    if name not in prepared:
        cursor.db.validate_no_broken_transaction()
        with cursor.db.wrap_database_errors:
            cursor.cursor.execute(f"PREPARE {name} AS {text}")
        prepared.add(name)
    arguments = f"({', '.join(['%s'] * len(params))})" if params else ""
    wrappers = cursor.db.execute_wrappers
    if history_mark in wrappers:
        cursor.db.execute_wrappers = [wrapper for wrapper in wrappers if wrapper is not history_mark]
    try:
        cursor.execute(f"EXECUTE {name}{arguments} /* {shown} */", params or [])
    finally:
        cursor.db.execute_wrappers = wrappers


def _with_places(markers: tuple, sql: str, params) -> tuple[str, tuple, list[list[int]]]:
    places = [[i for i, value in enumerate(params) if type(value) is type(m) and value == m] for m in markers]
    if not all(places):
        raise ValueError("Each key must reach the query as a parameter (a key compared with a column).")
    return sql, tuple(params), places


class CompiledModelQuery(CompiledQuery):
    """A read of model instances that Django compiles to SQL once per process, as ``CompiledQuery`` does.

    ``objects(*keys)`` gives what iterating the queryset would: each column through its field's converters
    (an encrypted identity number, JSON, an aware time), the ``select_related`` objects attached and the
    annotations set, and the ``prefetch_related`` lookups fetched (those by queries of their own, as
    always). Querysets of instances only: no ``values()`` or a related manager's own objects.
    """

    def _compile(self) -> tuple[str, tuple, list[list[int]]]:
        markers = self._markers()
        queryset = self._build(*markers)
        if queryset._iterable_class is not ModelIterable or queryset._known_related_objects:
            raise ValueError("Only a queryset of model instances can be compiled this way.")
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        klass_info, select = compiler.klass_info, compiler.select
        fields = klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        self._shape = (
            queryset.db,
            klass_info["model"],
            slice(start, end),
            [column[0].target.attname for column in select[start:end]],
            get_related_populators(klass_info, select, queryset.db),
            list(compiler.annotation_col_map.items()),
            list(compiler.get_converters([column[0] for column in select[: compiler.col_count]]).items()),
            compiler.col_count,
            queryset._prefetch_related_lookups,
        )
        return _with_places(markers, sql, params)

    def objects(self, *keys: int) -> list:
        """The instances for these keys, in the queryset's order."""
        rows = self.rows(*keys)
        db, model, fields, attnames, populators, annotations, converters, width, prefetch = self._shape
        found = []
        for raw in rows:
            row = list(raw[:width])
            for position, (functions, expression) in converters:
                value = row[position]
                for function in functions:
                    value = function(value, expression, connection)
                row[position] = value
            instance = model.from_db(db, attnames, row[fields])
            for populator in populators:
                populator.populate(row, instance)
            for name, position in annotations:
                setattr(instance, name, row[position])
            found.append(instance)
        if prefetch and found:
            prefetch_related_objects(found, *prefetch)
        return found

    def first(self, *keys: int):
        """The first instance for these keys, or None (build the queryset with ``first_of``)."""
        found = self.objects(*keys)
        return found[0] if found else None


def first_of(queryset: QuerySet) -> QuerySet:
    """The queryset sliced to the row its ``first()`` would give (the primary key orders an unordered one)."""
    return (queryset if queryset.ordered else queryset.order_by("pk"))[:1]

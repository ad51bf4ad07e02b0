"""Small reads whose SQL Django compiles once per process (``CompiledQuery``).

Building and compiling a small queryset costs Django 0.4–1 ms of Python, several times the database's own
time for an indexed read of a few rows. The resident's own page reads such a list from every domain (their
applications of every kind): there it was a third of the page's time.
"""

from collections.abc import Callable

from django.db import connection
from django.db.models import QuerySet

# Stand-ins for the keys while the query is compiled: numbers no row has, found again among its parameters.
MARKERS = (-7_340_000_001, -7_340_000_002, -7_340_000_003)


class CompiledQuery:
    """A ``values_list`` read that Django compiles to SQL once per process, then sends with each call's keys.

    ``build(*keys)`` returns the queryset for the given integer keys (primary or foreign keys compared
    with a column). It is built once, with marker numbers in the keys' places; each call sends the SQL
    kept from it with the markers' parameters replaced by its own keys. Rows come back as tuples, as
    ``values_list`` gives them, without the ORM's conversions of column values: use it for columns the
    driver returns as Django would (text, numbers, dates and times), not for JSON or arrays.
    """

    def __init__(self, build: Callable[..., QuerySet]):
        self._build = build
        self._compiled: tuple[str, tuple, list[list[int]]] | None = None

    def _compile(self) -> tuple[str, tuple, list[list[int]]]:
        markers = MARKERS[: self._build.__code__.co_argcount]
        sql, params = self._build(*markers).query.sql_with_params()
        places = [[i for i, value in enumerate(params) if type(value) is int and value == m] for m in markers]
        if not all(places):
            raise ValueError(
                "Each key must reach the query as a parameter (an integer compared with a column)."
            )
        return sql, tuple(params), places

    def rows(self, *keys: int) -> list[tuple]:
        """The rows for these keys, in the queryset's order."""
        if self._compiled is None:
            self._compiled = self._compile()
        sql, params, places = self._compiled
        values = list(params)
        for key, positions in zip(keys, places, strict=True):
            for position in positions:
                values[position] = int(key)
        with connection.cursor() as cursor:
            cursor.execute(sql, values)
            return cursor.fetchall()

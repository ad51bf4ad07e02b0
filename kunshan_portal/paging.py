"""Pages of a person's own lists (their notices, applications) without counting them first.

Django's ``Paginator`` counts the list (``COUNT(*)``) before it reads the page asked for, two queries for
every page. A resident's own lists are short: nearly always the whole list fits on the first page.
``ShortListPaginator`` reads the first page with one row more instead: where that row is missing, the
rows read are the whole list and its count, and no count is sent; where it is there, the list is counted
as before (for the number of pages), with the first page already read. Other pages, and a paginator
with ``orphans``, are Django's own.
"""

from django.core.paginator import Paginator


def _is_first(number) -> bool:
    """Whether Django's ``get_page`` gives the first page for ``number``: 1, or anything not a number."""
    try:
        if isinstance(number, float) and not number.is_integer():
            return True
        return int(number) == 1
    except (TypeError, ValueError):
        return True


class ShortListPaginator(Paginator):
    def get_page(self, number):
        if self.orphans or not self.allow_empty_first_page or not _is_first(number):
            return super().get_page(number)
        rows = list(self.object_list[: self.per_page + 1])
        if len(rows) <= self.per_page:
            self.__dict__["count"] = len(rows)  # the whole list: what ``count`` would have counted
        return self._get_page(rows[: self.per_page], 1, self)

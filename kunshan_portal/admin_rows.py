"""A changelist's rows written in one pass: the same HTML as Django's, in a third of the time.

Django's ``items_for_result`` works out, for every cell of every row, what it already knew for the row
above: which model field the column is, its empty value, its classes, whether it holds the link; and for
every row it reverses the change page's address, resolves it again to carry the list's filters, and
formats each cell twice through ``format_html``. On a page of 50 job applications that was about 40% of
the page's time. ``quick_results`` works out each column once per page and the link once (an address
with a marker where the row's number goes), then writes each cell with the same functions Django uses for
its text (``lookup_field``, ``display_for_field``, ``display_for_value``), so that what a cell shows is
Django's own.

Pages with editable rows, pop-ups, a ``to_field`` or a changelist of their own making get Django's rows.
``tests/core/test_admin_rows.py`` compares both renderers row by row on every admin list: compare with
``django/contrib/admin/templatetags/admin_list.py`` (``items_for_result``) on upgrades.

The filters beside the list are written the same way (``quick_filter``): Django renders
admin/filter.html through the template engine for each of them, as much time as all the rows of a page.
"""

import datetime
import html
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.admin.templatetags import admin_list
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import (
    FieldIsAForeignKeyColumnName,
    _get_non_gfk_field,
    display_for_field,
    display_for_value,
    lookup_field,
)
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils import dateformat, formats, timezone
from django.utils.encoding import iri_to_uri
from django.utils.html import conditional_escape, escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from kunshan_portal.admin_tools import PlainActionCheckbox

MARKER = "0quick-row-pk0"  # stands for a row's number in the change page's address


@dataclass(frozen=True)
class _Column:
    name: object  # a field's or method's name, or a callable
    classes: list[str]  # the cell's classes before any that depend on the row's value
    field: models.Field | None  # the model field the name is, read straight from the row
    tag: str | None  # "th" or "td" for the column holding the link, else None
    empty: str
    model_admin: object
    # A field with choices: its labels by value, as display_for_field's first case reads them.
    choices: dict | None = None
    # PlainActionCheckbox's column: its label in the reader's language, read once per page.
    checkbox_label: str | None = None
    # A date or date-and-time field: display_for_field's formatting, with the format read once per page.
    dates: Callable[[object], str] | None = None


def _columns(cl) -> list[_Column]:
    """Each column's constant facts, in the order and with the rules of ``items_for_result``."""
    columns, first = [], True
    opts = cl.model._meta
    for index, name in enumerate(cl.list_display):
        if cl.list_display_links is None:
            linked = False
        elif first and not cl.list_display_links:
            linked = True
        else:
            linked = name in cl.list_display_links
        tag = None
        if linked:
            tag, first = ("th" if first else "td"), False
        try:
            field = _get_non_gfk_field(opts, name)
        except (FieldDoesNotExist, FieldIsAForeignKeyColumnName, TypeError):
            field = None
        columns.append(
            _Column(
                name=name,
                classes=[f"field-{admin_list._coerce_field_name(name, index)}"],
                field=field,
                tag=tag,
                empty=cl.model_admin.get_empty_value_display(),
                model_admin=cl.model_admin,
                choices=_choices(field),
                checkbox_label=_checkbox_label(cl.model_admin, name, tag),
                dates=_dates(field),
            )
        )
    return columns


def _checkbox_label(model_admin, name, tag) -> str | None:
    """The label of the row checkbox where it is PlainActionCheckbox's, as an unlinked column."""
    plain = getattr(type(model_admin), "action_checkbox", None) is PlainActionCheckbox.action_checkbox
    return PlainActionCheckbox.label_format() if plain and name == "action_checkbox" and tag is None else None


def _choices(field) -> dict | None:
    """A field's choices as ``display_for_field`` reads them for each cell, read once per page."""
    try:
        return dict(field.flatchoices) if getattr(field, "flatchoices", None) else None
    except TypeError:  # list-like choices: left to display_for_field
        return None


def _dates(field) -> Callable[[object], str] | None:
    """A date column's cells as ``display_for_field`` writes them (``formats.localize`` of the value, in the
    current time zone for a date and time), a third of the time: the format is read and split into its
    parts once per page, where ``dateformat.format`` read the settings and ran two regular expressions
    for every cell (70–90 µs a cell). Compare with ``django.utils.dateformat.Formatter.format`` on upgrades."""
    if getattr(field, "flatchoices", None):
        return None
    if isinstance(field, models.DateTimeField):
        name, local = "DATETIME_FORMAT", True
    elif isinstance(field, models.DateField):
        name, local = "DATE_FORMAT", False
    else:
        return None
    parts = []  # (a format character, True) or (text written as it is, False)
    for index, part in enumerate(dateformat.re_formatchars.split(str(formats.get_format(name)))):
        if index % 2:
            parts.append((part, True))
        elif part:
            parts.append((dateformat.re_escaped.sub(r"\1", part), False))

    def show(value) -> str:
        formatter = dateformat.DateFormat(timezone.template_localtime(value) if local else value)
        return "".join([str(getattr(formatter, part)()) if code else part for part, code in parts])

    return show


def _link_address(cl) -> str | None:
    """The change page's address, with its filters carried and HTML-escaped, with MARKER for the row's
    number; None when the model has no change page."""
    try:
        address = reverse(
            f"admin:{cl.opts.app_label}_{cl.opts.model_name}_change",
            args=(MARKER,),
            current_app=cl.model_admin.admin_site.name,
        )
    except NoReverseMatch:
        return None
    carried = add_preserved_filters({"preserved_filters": cl.preserved_filters, "opts": cl.opts}, address)
    return escape(carried)


def _cell(column: _Column, result, address: str | None) -> str:
    if column.checkbox_label is not None:
        checkbox = PlainActionCheckbox.checkbox(result, column.checkbox_label)  # safe: written escaped
        return mark_safe(f'<td class="action-checkbox">{checkbox}</td>')  # noqa: S308
    classes = column.classes
    empty = column.empty
    try:
        if column.field is not None:
            field, attr, value = column.field, None, getattr(result, column.name)
        else:
            field, attr, value = lookup_field(column.name, result, column.model_admin)
    except ObjectDoesNotExist:
        shown = empty
    else:
        empty = getattr(attr, "empty_value_display", empty)
        if isinstance(value, str) and value.strip() == "":
            value = ""
        if field is None or field.auto_created:
            if column.name == "action_checkbox":
                classes = ["action-checkbox"]
            boolean = getattr(attr, "boolean", False)
            if isinstance(attr, property) and hasattr(attr, "fget"):
                boolean = getattr(attr.fget, "boolean", False)
            shown = display_for_value(value, empty, boolean)
            if isinstance(value, (datetime.date, datetime.time)):
                classes = [*classes, "nowrap"]
        else:
            if isinstance(field.remote_field, models.ManyToOneRel):
                related = getattr(result, field.name)
                shown = empty if related is None else related
            elif column.choices is not None:
                shown = column.choices.get(value, empty)
            elif column.dates is not None:
                shown = empty if value in field.empty_values else column.dates(value)
            else:
                shown = display_for_field(value, field, empty, avoid_link=column.tag is not None)
            if isinstance(field, (models.DateField, models.TimeField, models.ForeignKey)):
                classes = [*classes, "nowrap"]
    # A plain string (most cells) escaped as Django's escape() does, without its checks for lazy text and
    # for marked-safe text (a third of a cell's time); anything else through conditional_escape.
    text = html.escape(shown) if type(shown) is str else conditional_escape(shown)
    attributes = f' class="{" ".join(classes)}"'
    if column.tag is None:
        return mark_safe(f"<td{attributes}>{text}</td>")  # noqa: S308 (each part escaped above)
    if address is not None:
        text = f'<a href="{address.replace(MARKER, str(result.pk), 1)}">{text}</a>'
    return mark_safe(f"<{column.tag}{attributes}>{text}</{column.tag}>")  # noqa: S308 (escaped above)


def _quick(cl) -> bool:
    """Pages whose rows are plain: no editable rows, pop-up, ``to_field``, own link or integer-less key."""
    return (
        not cl.formset
        and not cl.is_popup
        and not cl.to_field
        and type(cl).url_for_result is ChangeList.url_for_result
        and isinstance(cl.model._meta.pk, (models.AutoField, models.BigAutoField, models.IntegerField))
    )


def quick_results(cl):
    """The rows of ``cl`` as Django's ``admin_list.results`` writes them."""
    if not _quick(cl):
        yield from admin_list.results(cl)
        return
    columns = _columns(cl)
    address = _link_address(cl)
    for result in cl.result_list:
        # One joined item per row: the template writes a row's items back to back, so the page is the
        # same, with one variable to render per row instead of one per column.
        row = "".join([_cell(column, result, address) for column in columns])
        yield admin_list.ResultList(None, [mark_safe(row)])  # noqa: S308 (each cell escaped by _cell)


FILTER_TEMPLATE = "admin/filter.html"  # the template of every filter of Django's and of the portal's
_CHOICE = '\n    <li{selected}>\n    <a href="{link}">{label}</a></li>\n  '


def quick_filter(cl, spec):
    """One filter of the list's sidebar as ``admin_list.admin_list_filter`` writes it through
    admin/filter.html (compare both on upgrades), character for character; a filter with a template of
    its own gets Django's."""
    if spec.template != FILTER_TEMPLATE:
        return admin_list.admin_list_filter(cl, spec)
    title = conditional_escape(spec.title)
    choices = "".join(
        [
            _CHOICE.format(
                selected=' class="selected"' if choice["selected"] else "",
                link=escape(iri_to_uri(choice["query_string"])),
                label=conditional_escape(choice["display"]),
            )
            for choice in spec.choices(cl)
        ]
    )
    by = gettext(" By %(filter_title)s ") % {"filter_title": title}
    return mark_safe(  # noqa: S308 (the title, each link and each label escaped; the words a translation)
        f'\n<details data-filter-title="{title}" open>\n  <summary>\n    {by}\n  </summary>\n  <ul>\n  '
        f"{choices}\n  </ul>\n</details>\n"
    )

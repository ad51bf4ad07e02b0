"""``{% result_list cl %}`` with the rows, and ``{% portal_list_filter cl spec %}`` with the filters, of
kunshan_portal/admin_rows.py (the same HTML as Django's)."""

from django import template
from django.contrib.admin.templatetags import admin_list
from django.contrib.admin.templatetags.base import InclusionAdminNode

from kunshan_portal.admin_rows import quick_filter, quick_results

register = template.Library()


def result_list(cl):
    """Django's ``admin_list.result_list`` (compare on upgrades) with the rows of ``quick_results``."""
    headers = list(admin_list.result_headers(cl))
    return {
        "cl": cl,
        "result_hidden_fields": list(admin_list.result_hidden_fields(cl)),
        "result_headers": headers,
        "num_sorted_fields": sum(1 for header in headers if header["sortable"] and header["sorted"]),
        "results": list(quick_results(cl)),
    }


@register.tag(name="result_list")
def result_list_tag(parser, token):
    return InclusionAdminNode(
        parser, token, func=result_list, template_name="change_list_results.html", takes_context=False
    )


register.simple_tag(quick_filter, name="portal_list_filter")

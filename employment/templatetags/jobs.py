"""A job's line of facts, drawn in Python.

It is drawn for each of the 20 cards of a resident's recommendations and each job of the search; as an
included template it took a fifth of the recommendations page (0.2 ms a card), written here a twentieth
of that. Use ``{% load jobs %}{% job_summary job %}``.
"""

from django import template
from django.template.defaultfilters import floatformat
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

register = template.Library()


@register.simple_tag
def job_summary(job) -> str:
    """``<p class="meta">`` employer · town · wage range[ · shifts][ · dormitory provided], escaped."""
    wages = gettext("%(low)s–%(high)s yuan a month") % {
        "low": floatformat(job.wage_min, "0"),
        "high": floatformat(job.wage_max, "0"),
    }
    parts = [escape(job.employer.name), escape(job.town), escape(wages)]
    if labels := job.shift_labels:
        parts.append(", ".join(escape(label) for label in labels))
    if job.dormitory:
        parts.append(escape(gettext("dormitory provided")))
    return mark_safe(f'<p class="meta">{" · ".join(parts)}</p>')  # noqa: S308 (each part escaped)

"""A job's line of facts and the explanation of a match, drawn in Python.

They are drawn for each of the 20 cards of a resident's recommendations (and each job of the search,
each candidate of an employer's job): as included templates they took a third of the recommendations
page (0.2 and 0.15 ms a card), written here a tenth of that. Use ``{% load jobs %}{% job_summary job %}``
and ``{% match_explanation explanation %}``.
"""

from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils.formats import localize
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

register = template.Library()


def _yuan(amount) -> str:
    """Whole yuan, rounded half up, as ``floatformat:"0"`` writes them (no thousands separator: the portal
    does not set USE_THOUSAND_SEPARATOR) in a twentieth of the time."""
    return str(Decimal(amount).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _names(items) -> str:
    """Names (shifts, skills, certificates) joined by commas, each escaped."""
    return ", ".join(escape(item) for item in items)


@register.simple_tag
def job_summary(job) -> str:
    """``<p class="meta">`` employer · town · wage range[ · shifts][ · dormitory provided], escaped."""
    wages = gettext("%(low)s–%(high)s yuan a month") % {
        "low": _yuan(job.wage_min),
        "high": _yuan(job.wage_max),
    }
    parts = [escape(job.employer.name), escape(job.town), escape(wages)]
    if labels := job.shift_labels:
        parts.append(_names(labels))
    if job.dormitory:
        parts.append(escape(gettext("dormitory provided")))
    return mark_safe(f'<p class="meta">{" · ".join(parts)}</p>')  # noqa: S308 (each part escaped)


@register.simple_tag
def match_explanation(explanation) -> str:
    """Why a job and a resident match (an ``employment.selectors.Explanation``): the fit, the filters
    failed, the certificates and skills missing and the free training that teaches them. Drawn for each
    card of a resident's recommendations and each candidate of an employer's job."""
    score = gettext("Fit: %(score)s of 100") % {"score": explanation.score_display}
    html = [f'<div class="explanation">\n  <p><strong>{escape(score)}</strong>']
    if not explanation.eligible:
        html.append(f' <span class="status">{escape(gettext("not a match"))}</span>')
    html.append("</p>\n")
    if explanation.reasons:
        reasons = "".join(f"<li>{escape(reason)}</li>" for reason in explanation.reasons)
        html.append(f'  <ul class="reasons">{reasons}</ul>\n')
    if explanation.certificates_missing:
        html.append(
            f"  <p>{escape(gettext('Certificates missing:'))} {_names(explanation.certificates_missing)}</p>\n"
        )
    matched = _names(explanation.skills_matched) or escape(gettext("none"))
    html.append(f"  <p>{escape(gettext('Skills matched:'))} {matched}</p>\n")
    for label, skills in (
        (gettext("Essential skills missing:"), explanation.skills_missing_essential),
        (gettext("Optional skills missing:"), explanation.skills_missing_optional),
    ):
        if skills:
            html.append(f"  <p>{escape(label)} {_names(skills)}</p>\n")
    if explanation.training:
        html.append(f"  <p>{escape(gettext('Free training that teaches a missing skill:'))}</p>\n  <ul>")
        for offers in explanation.training.values():
            for offer in offers:
                title = escape(offer.title)
                if offer.url:
                    title = f'<a href="{escape(offer.url)}">{title}</a>'
                when = f", {escape(localize(offer.starts_on))}" if offer.starts_on else ""
                html.append(f'<li>{title} <span class="meta">{escape(offer.provider)}{when}</span></li>')
        html.append("</ul>\n")
    html.append("</div>")
    return mark_safe("".join(html))  # noqa: S308 (each part escaped)

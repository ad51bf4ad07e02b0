"""A job's line of facts, the explanation of a match and a resident's recommended jobs, drawn in Python.

They are drawn for each of the 20 cards of a resident's recommendations (and each job of the search,
each candidate of an employer's job): as included templates they took a third of the recommendations
page (0.2 and 0.15 ms a card), written here a tenth of that; the cards around them, as a template loop,
took another 1 ms a page. Use ``{% load jobs %}{% job_summary job %}``, ``{% match_explanation explanation %}``
and ``{% recommended_jobs recommendations applied %}``.
"""

from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from django import template
from django.utils.formats import localize
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext

from employment.selectors import address_parts

register = template.Library()


def _yuan(amount) -> str:
    """Whole yuan, rounded half up, as ``floatformat:"0"`` writes them (no thousands separator: the portal
    does not set USE_THOUSAND_SEPARATOR) in a twentieth of the time."""
    return str(Decimal(amount).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _day(day) -> str:
    """A date as ``localize`` writes it in the reader's language, escaped: the same few programme start
    dates come back on every card of a page (18 µs each time)."""
    return _day_in(day, get_language())


@lru_cache(maxsize=1024)
def _day_in(day, language) -> str:  # the language a key only: localize writes in the active one
    return escape(localize(day))


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
                when = f", {_day(offer.starts_on)}" if offer.starts_on else ""
                html.append(f'<li>{title} <span class="meta">{escape(offer.provider)}{when}</span></li>')
        html.append("</ul>\n")
    html.append("</div>")
    return mark_safe("".join(html))  # noqa: S308 (each part escaped)


@register.simple_tag
def recommended_jobs(matches, applied) -> str:
    """The resident's recommended jobs (``JobMatch`` items) as a list of cards: each job's title linked to
    its page, marked where the resident applied (its number in ``applied``), its facts and why it fits."""
    address = [escape(part) for part in address_parts("employment:job-detail")]
    applied_mark = f' <span class="status">{escape(gettext("applied"))}</span>'
    cards = []
    for match in matches:
        job = match.job
        mark = applied_mark if job.pk in applied else ""
        cards.append(
            f'    <li class="card">\n      <h3><a href="{address[0]}{job.pk}{address[1]}">{escape(job.title)}</a>'
            f"{mark}</h3>\n      {job_summary(job)}\n      {match_explanation(match.explanation)}\n    </li>\n"
        )
    return mark_safe(f'<ol class="cards">\n{"".join(cards)}  </ol>')  # noqa: S308 (each part escaped)

"""A job's line of facts, the explanation of a match and a resident's recommended jobs, drawn in Python.

They are drawn for each of the 20 cards of a resident's recommendations (and each job of the search,
each candidate of an employer's job): as included templates they took a third of the recommendations
page (0.2 and 0.15 ms a card), written here a tenth of that; the cards around them, as a template loop,
took another 1 ms a page. Use ``{% load jobs %}{% job_summary job %}``, ``{% match_explanation explanation %}``
and ``{% recommended_jobs recommendations applied %}``.
"""

import html as html_text
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.formats import localize
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext

from employment.selectors import address_parts

register = template.Library()


@receiver(setting_changed)
def _forget_words(*, setting, **kwargs) -> None:
    """The words and dates kept per language are written again after a test changes what they come from."""
    if setting in {"LANGUAGES", "LANGUAGE_CODE", "LOCALE_PATHS", "FORMAT_MODULE_PATH", "DATE_FORMAT"}:
        _words.cache_clear()
        _day_in.cache_clear()


def _yuan(amount) -> str:
    """Whole yuan, rounded half up, as ``floatformat:"0"`` writes them (no thousands separator: the portal
    does not set USE_THOUSAND_SEPARATOR) in a twentieth of the time."""
    return str(Decimal(amount).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def escape(text) -> str:
    """As ``django.utils.html.escape`` writes it (``html.escape`` of the text), without its lazy-text
    wrapper and safe-string object: a page of 20 cards escapes about 360 pieces."""
    return html_text.escape(str(text))


@lru_cache(maxsize=16)
def _words(language) -> dict[str, str]:  # the language a key only: gettext answers in the active one
    """The cards' fixed words in the reader's language, looked up once per language and process (20 cards
    asked for about 140 translations a page): escaped, but for the two patterns ``fit`` and ``yuan``,
    which are escaped once filled in."""
    words = {
        "fit": gettext("Fit: %(score)s of 100"),
        "yuan": gettext("%(low)s–%(high)s yuan a month"),
    }
    for key, text in (
        ("not_a_match", gettext("not a match")),
        ("dormitory", gettext("dormitory provided")),
        ("certificates_missing", gettext("Certificates missing:")),
        ("none", gettext("none")),
        ("skills_matched", gettext("Skills matched:")),
        ("essential_missing", gettext("Essential skills missing:")),
        ("optional_missing", gettext("Optional skills missing:")),
        ("training", gettext("Free training that teaches a missing skill:")),
        ("applied", gettext("applied")),
    ):
        words[key] = escape(text)
    return words


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
    words = _words(get_language())
    wages = words["yuan"] % {"low": _yuan(job.wage_min), "high": _yuan(job.wage_max)}
    parts = [escape(job.employer.name), escape(job.town), escape(wages)]
    if labels := job.shift_labels:
        parts.append(_names(labels))
    if job.dormitory:
        parts.append(words["dormitory"])
    return mark_safe(f'<p class="meta">{" · ".join(parts)}</p>')  # noqa: S308 (each part escaped)


@register.simple_tag
def match_explanation(explanation) -> str:
    """Why a job and a resident match (an ``employment.selectors.Explanation``): the fit, the filters
    failed, the certificates and skills missing and the free training that teaches them. Drawn for each
    card of a resident's recommendations and each candidate of an employer's job."""
    words = _words(get_language())
    score = words["fit"] % {"score": explanation.score_display}
    html = [f'<div class="explanation">\n  <p><strong>{escape(score)}</strong>']
    if not explanation.eligible:
        html.append(f' <span class="status">{words["not_a_match"]}</span>')
    html.append("</p>\n")
    if explanation.reasons:
        reasons = "".join(f"<li>{escape(reason)}</li>" for reason in explanation.reasons)
        html.append(f'  <ul class="reasons">{reasons}</ul>\n')
    if explanation.certificates_missing:
        html.append(f"  <p>{words['certificates_missing']} {_names(explanation.certificates_missing)}</p>\n")
    matched = _names(explanation.skills_matched) or words["none"]
    html.append(f"  <p>{words['skills_matched']} {matched}</p>\n")
    for label, skills in (
        (words["essential_missing"], explanation.skills_missing_essential),
        (words["optional_missing"], explanation.skills_missing_optional),
    ):
        if skills:
            html.append(f"  <p>{label} {_names(skills)}</p>\n")
    if explanation.training:
        html.append(f"  <p>{words['training']}</p>\n  <ul>")
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
    applied_mark = f' <span class="status">{_words(get_language())["applied"]}</span>'
    cards = []
    for match in matches:
        job = match.job
        mark = applied_mark if job.pk in applied else ""
        cards.append(
            f'    <li class="card">\n      <h3><a href="{address[0]}{job.pk}{address[1]}">{escape(job.title)}</a>'
            f"{mark}</h3>\n      {job_summary(job)}\n      {match_explanation(match.explanation)}\n    </li>\n"
        )
    return mark_safe(f'<ol class="cards">\n{"".join(cards)}  </ol>')  # noqa: S308 (each part escaped)

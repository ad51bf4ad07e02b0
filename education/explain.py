"""The words a family reads: priority facts and why a school did not take the child, in their language."""

from django.utils.translation import gettext as _

from education.rules import CATCHMENT, LOTTERY, MONTHS, SIBLING, PriorityFacts


def facts_text(facts: PriorityFacts | None) -> str:
    """E.g. "catchment, no sibling, 24 months, lottery 51234"."""
    if facts is None:
        return ""
    return ", ".join(
        [
            _("catchment") if facts.catchment else _("outside the catchment"),
            _("sibling at the school") if facts.sibling else _("no sibling"),
            _("%(n)d months of contributions") % {"n": facts.months},
            _("lottery %(n)d") % {"n": facts.lottery},
        ]
    )


def cutoff_text(cutoff) -> str:
    """A published cut-off: the last child admitted, or that the school had seats left or none."""
    from education.selectors import cutoff_facts

    if cutoff.seats == 0:
        return _("no seats in this round")
    last = cutoff_facts(cutoff)
    if last is None:
        return _("seats left: every applicant was admitted")
    return facts_text(last)


def reason_text(refusal) -> str:
    """Why the child did not reach a school's cut-off, in one sentence."""
    mine, last = refusal.child, refusal.last_admitted
    if refusal.reason == CATCHMENT:
        return _(
            "The school filled up with children living in its catchment area; your family lives outside it."
        )
    if refusal.reason == SIBLING:
        return _(
            "The school filled up with children who have a brother or sister there; your child has none there."
        )
    if refusal.reason == MONTHS:
        return _(
            "Children whose parent has more months of social-insurance contributions come first: the last "
            "child admitted had %(theirs)d months, you have %(mine)d."
        ) % {"theirs": last.months, "mine": mine.months}
    if refusal.reason == LOTTERY:
        return _(
            "Everything else being equal, the lower lottery number comes first: the last child admitted had "
            "%(theirs)d, your child has %(mine)d."
        ) % {"theirs": last.lottery, "mine": mine.lottery}
    return _("The school had no seats for this grade in this round.")

"""The portal's roles: groups created by a migration, their permissions kept in step after each migrate.

A pattern is ``app_label.codename``; ``*`` matches any run of characters, so ``housing.*`` is every
permission of the housing app (its event history included) and ``residents.view_*`` every view
permission of the residents app.
"""

from fnmatch import fnmatchcase

RESIDENT = "resident"
EMPLOYER = "employer"
LAWYER = "lawyer"
OFFICIAL = "official"
DOMAINS = ("residents", "employment", "housing", "insurance", "education", "legal_aid")
CASEWORKER_GROUPS = {domain: f"caseworker_{domain}" for domain in DOMAINS}

# Residents and employers act through the public site and the API; what they may touch there is
# decided per object by the services, so their groups hold no admin permissions.
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    RESIDENT: (),
    EMPLOYER: (),
    OFFICIAL: ("kunshan_portal.view_dashboard",),
    # A lawyer or mediator works the cases assigned to them (the admin scopes the rows): moves them through
    # their proceedings, records hearings, time limits and documents; no stations, staff or tables.
    LAWYER: (
        "legal_aid.view_case",
        "legal_aid.change_case",
        "legal_aid.conduct_case",
        "legal_aid.view_casedocument",
        "legal_aid.add_casedocument",
        "legal_aid.view_hearing",
        "legal_aid.add_hearing",
        "legal_aid.change_hearing",
        "legal_aid.view_timelimit",
        "legal_aid.add_timelimit",
        "legal_aid.change_timelimit",
    ),
    CASEWORKER_GROUPS["residents"]: ("residents.*",),
    CASEWORKER_GROUPS["employment"]: ("employment.*", "residents.view_employer", "residents.view_resident"),
    CASEWORKER_GROUPS["housing"]: ("housing.*", "residents.view_resident", "residents.view_employer"),
    CASEWORKER_GROUPS["insurance"]: ("insurance.*", "residents.view_resident", "residents.view_employer"),
    CASEWORKER_GROUPS["education"]: ("education.*", "residents.view_resident", "residents.view_familymember"),
    CASEWORKER_GROUPS["legal_aid"]: ("legal_aid.*", "residents.view_employer"),
}
STAFF_ROLES = frozenset({LAWYER, *CASEWORKER_GROUPS.values()})
ALL_ROLES = (RESIDENT, EMPLOYER, *CASEWORKER_GROUPS.values(), LAWYER, OFFICIAL)


def permissions_for(role: str, available: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The (app_label, codename) pairs among ``available`` that the role's patterns match."""
    patterns = ROLE_PERMISSIONS[role]
    return [(app, code) for app, code in available if any(fnmatchcase(f"{app}.{code}", p) for p in patterns)]


def sync_role_permissions(sender=None, using="default", **kwargs) -> None:
    """Give each role exactly the permissions its patterns match (run after every migrate)."""
    from django.apps import apps as global_apps

    apps = kwargs.get("apps") or global_apps
    try:
        Group = apps.get_model("auth", "Group")
        Permission = apps.get_model("auth", "Permission")
    except LookupError:
        return
    permissions = list(
        Permission.objects.using(using).values_list("pk", "content_type__app_label", "codename")
    )
    by_key = {(app, code): pk for pk, app, code in permissions}
    for role in ALL_ROLES:
        group, _ = Group.objects.using(using).get_or_create(name=role)
        wanted = [by_key[key] for key in permissions_for(role, list(by_key))]
        group.permissions.set(wanted)

"""Every export of the portal neutralises cells that a spreadsheet would run as formulas."""

import pytest
from django.apps import apps
from import_export.resources import ModelResource

from kunshan_portal.exports import SafeExportResource, neutralise_formula


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=HYPERLINK(1)", "'=HYPERLINK(1)"),
        ("+86", "'+86"),
        ("-1", "'-1"),
        ("@SUM", "'@SUM"),
        ("ok", "ok"),
        (5, 5),
    ],
)
def test_formulas_are_neutralised(value, expected):
    assert neutralise_formula(value) == expected


def test_every_resource_of_the_portal_is_a_safe_export():
    import importlib

    resources = []
    for app in ("residents", "employment", "insurance", "housing", "education"):
        module = importlib.import_module(f"{app}.resources")
        resources += [
            obj for obj in vars(module).values() if isinstance(obj, type) and issubclass(obj, ModelResource)
        ]
    resources.append(importlib.import_module("legal_aid.admin").CaseResource)
    unsafe = [
        r.__qualname__
        for r in resources
        if r is not SafeExportResource and r.__module__ != "import_export.resources"
        and not issubclass(r, SafeExportResource) and "export_field" not in vars(r)
    ]  # fmt: skip
    assert unsafe == []
    assert apps.is_installed("import_export")

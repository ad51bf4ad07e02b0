import sys
import types

import pytest


@pytest.fixture
def insurance_months(monkeypatch):
    """Stand in for ``insurance.selectors.contribution_months_by_resident``: set months per resident."""
    months: dict[int, int] = {}

    def contribution_months_by_resident(*, resident_ids, until):
        return {resident: months[resident] for resident in resident_ids if resident in months}

    fake = types.ModuleType("insurance.selectors")
    fake.contribution_months_by_resident = contribution_months_by_resident
    import insurance

    monkeypatch.setitem(sys.modules, "insurance.selectors", fake)
    monkeypatch.setattr(insurance, "selectors", fake, raising=False)
    return months

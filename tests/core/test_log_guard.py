import logging

from tests.conftest import PERSONAL_DATA, _LogGuard


def test_the_guard_catches_identity_and_mobile_numbers_but_not_masked_ones():
    guard = _LogGuard()
    logger = logging.getLogger("guard-test")
    logger.addHandler(guard)
    logger.propagate = False
    try:
        logger.warning("looked up %s", "34012119900517123X")
        logger.warning("sms to 13912345678")
        logger.warning("sms to 139****5678 about 3401**********123X, order 2026110100000001")
    finally:
        logger.removeHandler(guard)
    assert [leak.split(" in ")[0] for leak in guard.leaks] == ["identity number", "mobile number"]
    assert set(PERSONAL_DATA) == {"identity number", "mobile number"}

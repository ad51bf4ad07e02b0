"""manage.py seed_city: one seed at a time on a database."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from kunshan_portal.management.commands.seed_city import SEED_LOCK
from residents import seeding as registry


@pytest.mark.django_db
def test_a_second_seed_on_the_same_database_is_refused_while_the_first_runs():
    # given: a seed running on the database (its lock held by its own connection)
    before = registry.city_residents().count()
    running = connection.Database.connect(**connection.get_connection_params())
    try:
        with running.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [SEED_LOCK])

        # when / then: the second is refused at once, and adds nothing
        with pytest.raises(CommandError, match="Another seed_city is running"):
            call_command("seed_city", scale=0.001, stdout=io.StringIO())
    finally:
        running.close()
    assert registry.city_residents().count() == before

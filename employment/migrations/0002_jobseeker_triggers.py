"""Keep every resident's job seeker profile in step with the registry, inside the database.

The matcher reads skills and certificates as bitmasks from employment_jobseekerprofile. Residents, their
skills and their certificates are written by the residents app in many ways (forms, the API, imports with
bulk_create, admin actions), so statement-level triggers with transition tables keep the copy right
whatever the writer: a resident inserted gets a profile; a change of town or registration state, and
any change of skills or certificates, rewrites the matcher's columns of the residents concerned (set-based,
so a bulk import costs a few statements, not one per row). The resident's own preferences are left alone.
"""

from django.db import migrations

FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION employment_id_mask(ids bigint[], word integer) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(bit_or((1::bigint) << (id - 64 * word)::integer), 0)
    FROM unnest(ids) AS id
    WHERE id >= 64 * word AND id < 64 * (word + 1)
$$;

-- Rewrite the matcher's columns of these residents; create_missing also inserts absent profiles.
CREATE OR REPLACE FUNCTION employment_jobseeker_sync(resident_ids bigint[], create_missing boolean)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF resident_ids IS NULL OR cardinality(resident_ids) = 0 THEN
        RETURN;
    END IF;
    WITH held AS (
        SELECT r.id AS resident_id, r.town_id, r.state = 'verified' AS verified,
               employment_id_mask(s.ids, 0) AS skills_lo, employment_id_mask(s.ids, 1) AS skills_hi,
               employment_id_mask(c.ids, 0) AS certificates_lo, employment_id_mask(c.ids, 1) AS certificates_hi
        FROM residents_resident r
        LEFT JOIN (
            SELECT resident_id, array_agg(skill_id) AS ids FROM residents_resident_skills
            WHERE resident_id = ANY(resident_ids) GROUP BY resident_id
        ) s ON s.resident_id = r.id
        LEFT JOIN (
            SELECT resident_id, array_agg(certificate_type_id) AS ids FROM residents_residentcertificate
            WHERE resident_id = ANY(resident_ids) GROUP BY resident_id
        ) c ON c.resident_id = r.id
        WHERE r.id = ANY(resident_ids)
    ), updated AS (
        UPDATE employment_jobseekerprofile p
        SET town_id = n.town_id, verified = n.verified,
            skills_lo = n.skills_lo, skills_hi = n.skills_hi,
            certificates_lo = n.certificates_lo, certificates_hi = n.certificates_hi,
            updated_at = now()
        FROM held n
        WHERE p.resident_id = n.resident_id
          AND (p.town_id, p.verified, p.skills_lo, p.skills_hi, p.certificates_lo, p.certificates_hi)
              IS DISTINCT FROM
              (n.town_id, n.verified, n.skills_lo, n.skills_hi, n.certificates_lo, n.certificates_hi)
        RETURNING p.resident_id
    )
    INSERT INTO employment_jobseekerprofile (
        resident_id, town_id, verified, skills_lo, skills_hi, certificates_lo, certificates_hi,
        open_to_work, acceptable_shift_mask, wage_floor, willing_town_ids, updated_at
    )
    SELECT n.resident_id, n.town_id, n.verified, n.skills_lo, n.skills_hi,
           n.certificates_lo, n.certificates_hi, true, 0, NULL, '{}', now()
    FROM held n
    WHERE create_missing
      AND NOT EXISTS (SELECT 1 FROM employment_jobseekerprofile p WHERE p.resident_id = n.resident_id)
    ON CONFLICT (resident_id) DO NOTHING;
END
$$;

CREATE OR REPLACE FUNCTION employment_jobseeker_residents_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM employment_jobseeker_sync(ARRAY(SELECT id FROM new_rows), true);
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION employment_jobseeker_residents_updated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM employment_jobseeker_sync(ARRAY(
        SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE o.town_id IS DISTINCT FROM n.town_id OR o.state IS DISTINCT FROM n.state
    ), true);
    RETURN NULL;
END
$$;

-- Skills and certificates held: only existing profiles are rewritten, so that the rows Django deletes
-- together with a resident never bring the resident's profile back.
CREATE OR REPLACE FUNCTION employment_jobseeker_holdings_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM employment_jobseeker_sync(ARRAY(SELECT DISTINCT resident_id FROM new_rows), false);
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION employment_jobseeker_holdings_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM employment_jobseeker_sync(ARRAY(SELECT DISTINCT resident_id FROM old_rows), false);
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION employment_jobseeker_holdings_updated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM employment_jobseeker_sync(ARRAY(
        SELECT resident_id FROM new_rows UNION SELECT resident_id FROM old_rows
    ), false);
    RETURN NULL;
END
$$;
"""

TRIGGERS = [
    ("residents_resident", "INSERT", "new_rows", "employment_jobseeker_residents_inserted"),
    ("residents_resident", "UPDATE", "new_rows", "employment_jobseeker_residents_updated"),
    ("residents_resident_skills", "INSERT", "new_rows", "employment_jobseeker_holdings_inserted"),
    ("residents_resident_skills", "DELETE", "old_rows", "employment_jobseeker_holdings_deleted"),
    ("residents_resident_skills", "UPDATE", "new_rows", "employment_jobseeker_holdings_updated"),
    ("residents_residentcertificate", "INSERT", "new_rows", "employment_jobseeker_holdings_inserted"),
    ("residents_residentcertificate", "DELETE", "old_rows", "employment_jobseeker_holdings_deleted"),
    ("residents_residentcertificate", "UPDATE", "new_rows", "employment_jobseeker_holdings_updated"),
]


def _trigger_name(table: str, event: str) -> str:
    return f"employment_jobseeker_{table.removeprefix('residents_')}_{event.lower()}"


def _create_trigger(table: str, event: str, _rows: str, function: str) -> str:
    transition = {
        "INSERT": "NEW TABLE AS new_rows",
        "DELETE": "OLD TABLE AS old_rows",
        "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
    }[event]
    return (
        f"CREATE TRIGGER {_trigger_name(table, event)} AFTER {event} ON {table} "
        f"REFERENCING {transition} FOR EACH STATEMENT EXECUTE FUNCTION {function}();"
    )


CREATE_TRIGGERS = "\n".join(_create_trigger(*trigger) for trigger in TRIGGERS)
DROP_TRIGGERS = "\n".join(
    f"DROP TRIGGER IF EXISTS {_trigger_name(table, event)} ON {table};" for table, event, *_ in TRIGGERS
)
DROP_FUNCTIONS = """
DROP FUNCTION IF EXISTS employment_jobseeker_holdings_updated();
DROP FUNCTION IF EXISTS employment_jobseeker_holdings_deleted();
DROP FUNCTION IF EXISTS employment_jobseeker_holdings_inserted();
DROP FUNCTION IF EXISTS employment_jobseeker_residents_updated();
DROP FUNCTION IF EXISTS employment_jobseeker_residents_inserted();
DROP FUNCTION IF EXISTS employment_jobseeker_sync(bigint[], boolean);
DROP FUNCTION IF EXISTS employment_id_mask(bigint[], integer);
"""
BACKFILL = "SELECT employment_jobseeker_sync(ARRAY(SELECT id FROM residents_resident), true);"


class Migration(migrations.Migration):
    dependencies = [("employment", "0001_initial")]

    operations = [
        migrations.RunSQL(FUNCTIONS, DROP_FUNCTIONS),
        migrations.RunSQL(CREATE_TRIGGERS, DROP_TRIGGERS),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
    ]

"""A faster job seeker sync: the masks are aggregated in the join (no function call per row), and the
residents concerned are joined, not searched with ``= ANY`` (bulk imports of many thousands of residents
cost a few index probes per resident)."""

from django.db import migrations

SYNC = r"""
CREATE OR REPLACE FUNCTION employment_jobseeker_sync(resident_ids bigint[], create_missing boolean)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF resident_ids IS NULL OR cardinality(resident_ids) = 0 THEN
        RETURN;
    END IF;
    WITH ids AS MATERIALIZED (
        SELECT DISTINCT id FROM unnest(resident_ids) AS id
    ), skills AS (
        SELECT s.resident_id,
               coalesce(bit_or((1::bigint) << s.skill_id::integer) FILTER (WHERE s.skill_id < 64), 0) AS lo,
               coalesce(bit_or((1::bigint) << (s.skill_id - 64)::integer)
                        FILTER (WHERE s.skill_id >= 64 AND s.skill_id < 128), 0) AS hi
        FROM ids JOIN residents_resident_skills s ON s.resident_id = ids.id
        GROUP BY s.resident_id
    ), certificates AS (
        SELECT c.resident_id,
               coalesce(bit_or((1::bigint) << c.certificate_type_id::integer)
                        FILTER (WHERE c.certificate_type_id < 64), 0) AS lo,
               coalesce(bit_or((1::bigint) << (c.certificate_type_id - 64)::integer)
                        FILTER (WHERE c.certificate_type_id >= 64 AND c.certificate_type_id < 128), 0) AS hi
        FROM ids JOIN residents_residentcertificate c ON c.resident_id = ids.id
        GROUP BY c.resident_id
    ), held AS (
        SELECT r.id AS resident_id, r.town_id, r.state = 'verified' AS verified,
               coalesce(s.lo, 0) AS skills_lo, coalesce(s.hi, 0) AS skills_hi,
               coalesce(c.lo, 0) AS certificates_lo, coalesce(c.hi, 0) AS certificates_hi
        FROM ids
        JOIN residents_resident r ON r.id = ids.id
        LEFT JOIN skills s ON s.resident_id = r.id
        LEFT JOIN certificates c ON c.resident_id = r.id
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
"""


class Migration(migrations.Migration):
    dependencies = [("employment", "0003_seed_occupations")]

    operations = [migrations.RunSQL(SYNC, migrations.RunSQL.noop)]

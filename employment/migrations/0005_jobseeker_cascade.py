"""The job seeker profile goes with its resident in the database itself (ON DELETE CASCADE).

The triggers give every resident a profile, so a resident deleted by plain SQL (a bulk clean-up, another
app's tooling) must not be refused by this table's foreign key; Django's own deletes remove the profile
first, as before.
"""

from django.db import migrations

CASCADE = r"""
DO $$
DECLARE name text;
BEGIN
    SELECT conname INTO name FROM pg_constraint
    WHERE conrelid = 'employment_jobseekerprofile'::regclass AND contype = 'f'
      AND confrelid = 'residents_resident'::regclass;
    EXECUTE format('ALTER TABLE employment_jobseekerprofile DROP CONSTRAINT %I', name);
    EXECUTE format(
        'ALTER TABLE employment_jobseekerprofile ADD CONSTRAINT %I FOREIGN KEY (resident_id) '
        'REFERENCES residents_resident (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED', name
    );
END
$$;
"""
RESTRICT = CASCADE.replace("ON DELETE CASCADE ", "")


class Migration(migrations.Migration):
    dependencies = [("employment", "0004_faster_jobseeker_sync")]

    operations = [migrations.RunSQL(CASCADE, RESTRICT)]

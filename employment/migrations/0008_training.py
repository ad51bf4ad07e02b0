# Training programmes, enrolments, certificates issued through them, and certificate subsidies.

from decimal import Decimal

import django.db.models.deletion
import django_fsm
import pgtrigger.compiler
import pgtrigger.migrations
from django.conf import settings
from django.db import migrations, models

# The subsidy for a certificate earned through a free programme, by level (yuan), and the amount above
# which a second caseworker approves. Defaults an administrator changes in the admin (a new table from a
# date); the city's account names the levels but not the amounts.
SUBSIDY_EFFECTIVE_FROM = "2026-01-01"
SUBSIDY_SECOND_APPROVAL_ABOVE = Decimal("2000.00")
SUBSIDY_AMOUNTS = {
    "diploma": Decimal("600.00"),
    "special": Decimal("500.00"),
    "nvq1": Decimal("800.00"),
    "nvq2": Decimal("1200.00"),
    "nvq3": Decimal("1800.00"),
    "nvq4": Decimal("2500.00"),
    "nvq5": Decimal("3500.00"),
}


def seed_subsidies(apps, schema_editor):
    SubsidySchedule = apps.get_model("employment", "SubsidySchedule")
    SubsidyRate = apps.get_model("employment", "SubsidyRate")
    schedule, _ = SubsidySchedule.objects.get_or_create(
        effective_from=SUBSIDY_EFFECTIVE_FROM,
        defaults={"second_approval_above": SUBSIDY_SECOND_APPROVAL_ABOVE, "note": "default table"},
    )
    for level, amount in SUBSIDY_AMOUNTS.items():
        SubsidyRate.objects.get_or_create(schedule=schedule, level=level, defaults={"amount": amount})


class Migration(migrations.Migration):
    dependencies = [
        ("employment", "0007_fairs"),
        ("pghistory", "0007_auto_20250421_0444"),
        ("residents", "0002_seed_reference_data"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Enrolment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                ('submitted_at', models.DateTimeField(auto_now_add=True, verbose_name='submitted at')),
                ('decided_at', models.DateTimeField(blank=True, null=True, verbose_name='decided at')),
                ('decision_note', models.TextField(blank=True, verbose_name='decision note')),
                ('state', django_fsm.FSMField(choices=[('enrolled', 'enrolled'), ('waitlisted', 'on the waiting list'), ('withdrawn', 'withdrawn'), ('completed', 'completed'), ('failed', 'not completed')], db_index=True, default='enrolled', max_length=16, protected=True, verbose_name='status')),
                ('enrolled_at', models.DateTimeField(blank=True, null=True, verbose_name='enrolled at')),
                ('completed_at', models.DateTimeField(blank=True, null=True, verbose_name='completed at')),
                ('certificate', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='enrolments', to='residents.residentcertificate', verbose_name='certificate issued')),
                ('resident', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='training_enrolments', to='residents.resident', verbose_name='resident')),
            ],
            options={
                'verbose_name': 'training enrolment',
                'verbose_name_plural': 'training enrolments',
                'ordering': ['-submitted_at', '-id'],
            },
            bases=(django_fsm.FSMModelMixin, models.Model),
        ),
        migrations.CreateModel(
            name='SubsidyClaim',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                ('submitted_at', models.DateTimeField(auto_now_add=True, verbose_name='submitted at')),
                ('decided_at', models.DateTimeField(blank=True, null=True, verbose_name='decided at')),
                ('decision_note', models.TextField(blank=True, verbose_name='decision note')),
                ('state', django_fsm.FSMField(choices=[('submitted', 'waiting for approval'), ('second', 'waiting for a second approval'), ('approved', 'approved, to be paid'), ('rejected', 'rejected'), ('exported', 'sent for payment'), ('paid', 'paid')], db_index=True, default='submitted', max_length=16, protected=True, verbose_name='status')),
                ('level', models.CharField(choices=[('none', 'no level'), ('diploma', 'vocational diploma'), ('special', 'special certification'), ('nvq1', 'national vocational qualification, level 1'), ('nvq2', 'national vocational qualification, level 2'), ('nvq3', 'national vocational qualification, level 3'), ('nvq4', 'national vocational qualification, level 4'), ('nvq5', 'national vocational qualification, level 5')], max_length=8, verbose_name='certificate level')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=12, verbose_name='amount (yuan)')),
                ('needs_second_approval', models.BooleanField(default=False, verbose_name='needs a second approval')),
                ('first_approved_at', models.DateTimeField(blank=True, null=True, verbose_name='approved at')),
                ('second_approved_at', models.DateTimeField(blank=True, null=True, verbose_name='second approval at')),
                ('exported_at', models.DateTimeField(blank=True, null=True, verbose_name='sent for payment at')),
                ('payment_batch', models.CharField(blank=True, max_length=32, verbose_name='payment file')),
                ('paid_at', models.DateTimeField(blank=True, null=True, verbose_name='paid at')),
                ('certificate', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='subsidy_claims', to='residents.residentcertificate', verbose_name='certificate')),
                ('enrolment', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='subsidy_claims', to='employment.enrolment', verbose_name='programme enrolment')),
                ('first_approved_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='approved by')),
                ('resident', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='subsidy_claims', to='residents.resident', verbose_name='resident')),
                ('second_approved_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='second approval by')),
            ],
            options={
                'verbose_name': 'subsidy claim',
                'verbose_name_plural': 'subsidy claims',
                'ordering': ['-submitted_at', '-id'],
            },
            bases=(django_fsm.FSMModelMixin, models.Model),
        ),
        migrations.CreateModel(
            name='SubsidyClaimEvent',
            fields=[
                ('pgh_id', models.AutoField(primary_key=True, serialize=False)),
                ('pgh_created_at', models.DateTimeField(auto_now_add=True)),
                ('pgh_label', models.TextField(help_text='The event label.')),
                ('id', models.BigIntegerField()),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                ('submitted_at', models.DateTimeField(auto_now_add=True, verbose_name='submitted at')),
                ('decided_at', models.DateTimeField(blank=True, null=True, verbose_name='decided at')),
                ('decision_note', models.TextField(blank=True, verbose_name='decision note')),
                ('state', django_fsm.FSMField(choices=[('submitted', 'waiting for approval'), ('second', 'waiting for a second approval'), ('approved', 'approved, to be paid'), ('rejected', 'rejected'), ('exported', 'sent for payment'), ('paid', 'paid')], default='submitted', max_length=16, protected=True, verbose_name='status')),
                ('level', models.CharField(choices=[('none', 'no level'), ('diploma', 'vocational diploma'), ('special', 'special certification'), ('nvq1', 'national vocational qualification, level 1'), ('nvq2', 'national vocational qualification, level 2'), ('nvq3', 'national vocational qualification, level 3'), ('nvq4', 'national vocational qualification, level 4'), ('nvq5', 'national vocational qualification, level 5')], max_length=8, verbose_name='certificate level')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=12, verbose_name='amount (yuan)')),
                ('needs_second_approval', models.BooleanField(default=False, verbose_name='needs a second approval')),
                ('first_approved_at', models.DateTimeField(blank=True, null=True, verbose_name='approved at')),
                ('second_approved_at', models.DateTimeField(blank=True, null=True, verbose_name='second approval at')),
                ('exported_at', models.DateTimeField(blank=True, null=True, verbose_name='sent for payment at')),
                ('payment_batch', models.CharField(blank=True, max_length=32, verbose_name='payment file')),
                ('paid_at', models.DateTimeField(blank=True, null=True, verbose_name='paid at')),
                ('certificate', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='residents.residentcertificate', verbose_name='certificate')),
                ('enrolment', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='employment.enrolment', verbose_name='programme enrolment')),
                ('first_approved_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to=settings.AUTH_USER_MODEL, verbose_name='approved by')),
                ('pgh_context', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='pghistory.context')),
                ('pgh_obj', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='events', to='employment.subsidyclaim')),
                ('resident', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='residents.resident', verbose_name='resident')),
                ('second_approved_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to=settings.AUTH_USER_MODEL, verbose_name='second approval by')),
            ],
            options={
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='SubsidySchedule',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('effective_from', models.DateField(unique=True, verbose_name='effective from')),
                ('second_approval_above', models.DecimalField(decimal_places=2, help_text='Claims of a higher amount need the approval of a second, different caseworker.', max_digits=12, verbose_name='second approval above (yuan)')),
                ('note', models.CharField(blank=True, max_length=200, verbose_name='note')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
            ],
            options={
                'verbose_name': 'subsidy table',
                'verbose_name_plural': 'subsidy tables',
                'ordering': ['-effective_from'],
                'constraints': [models.CheckConstraint(condition=models.Q(('second_approval_above__gte', 0)), name='subsidy_threshold_not_negative')],
            },
        ),
        migrations.CreateModel(
            name='SubsidyRate',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('level', models.CharField(choices=[('diploma', 'vocational diploma'), ('special', 'special certification'), ('nvq1', 'national vocational qualification, level 1'), ('nvq2', 'national vocational qualification, level 2'), ('nvq3', 'national vocational qualification, level 3'), ('nvq4', 'national vocational qualification, level 4'), ('nvq5', 'national vocational qualification, level 5')], max_length=8, verbose_name='certificate level')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=12, verbose_name='amount (yuan)')),
                ('schedule', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='rates', to='employment.subsidyschedule')),
            ],
            options={
                'verbose_name': 'subsidy rate',
                'verbose_name_plural': 'subsidy rates',
                'ordering': ['schedule', 'amount'],
            },
        ),
        migrations.CreateModel(
            name='TrainingProgramme',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('title', models.CharField(max_length=160, verbose_name='title')),
                ('kind', models.CharField(choices=[('course', 'course'), ('workshop', 'employer on-site workshop'), ('safety', 'construction safety training')], default='course', max_length=12, verbose_name='kind')),
                ('description', models.TextField(blank=True, verbose_name='description')),
                ('provider', models.CharField(max_length=160, verbose_name='provider')),
                ('location', models.CharField(max_length=200, verbose_name='location')),
                ('seats', models.PositiveIntegerField(verbose_name='seats')),
                ('enrolled_count', models.PositiveIntegerField(default=0, editable=False, verbose_name='seats taken')),
                ('starts_on', models.DateField(verbose_name='starts on')),
                ('ends_on', models.DateField(verbose_name='ends on')),
                ('schedule', models.CharField(blank=True, help_text='When the sessions are, e.g. “Sat 9:00–12:00”.', max_length=200, verbose_name='schedule')),
                ('sessions', models.PositiveSmallIntegerField(default=1, verbose_name='sessions')),
                ('sessions_required', models.PositiveSmallIntegerField(default=1, help_text='A trainee completes the programme after attending at least this many sessions.', verbose_name='sessions to attend for completion')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                ('certificate', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='training_programmes', to='residents.certificatetype', verbose_name='certificate it leads to')),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('employer', models.ForeignKey(blank=True, help_text='The company whose factory hosts an on-site workshop.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='training_programmes', to='residents.employer', verbose_name='employer (workshops)')),
                ('skill', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='training_programmes', to='residents.skill', verbose_name='skill taught')),
                ('town', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='training_programmes', to='residents.town', verbose_name='town')),
            ],
            options={
                'verbose_name': 'training programme',
                'verbose_name_plural': 'training programmes',
                'ordering': ['starts_on', 'id'],
            },
        ),
        migrations.CreateModel(
            name='EnrolmentEvent',
            fields=[
                ('pgh_id', models.AutoField(primary_key=True, serialize=False)),
                ('pgh_created_at', models.DateTimeField(auto_now_add=True)),
                ('pgh_label', models.TextField(help_text='The event label.')),
                ('id', models.BigIntegerField()),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                ('submitted_at', models.DateTimeField(auto_now_add=True, verbose_name='submitted at')),
                ('decided_at', models.DateTimeField(blank=True, null=True, verbose_name='decided at')),
                ('decision_note', models.TextField(blank=True, verbose_name='decision note')),
                ('state', django_fsm.FSMField(choices=[('enrolled', 'enrolled'), ('waitlisted', 'on the waiting list'), ('withdrawn', 'withdrawn'), ('completed', 'completed'), ('failed', 'not completed')], default='enrolled', max_length=16, protected=True, verbose_name='status')),
                ('enrolled_at', models.DateTimeField(blank=True, null=True, verbose_name='enrolled at')),
                ('completed_at', models.DateTimeField(blank=True, null=True, verbose_name='completed at')),
                ('certificate', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='residents.residentcertificate', verbose_name='certificate issued')),
                ('pgh_context', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='pghistory.context')),
                ('pgh_obj', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='events', to='employment.enrolment')),
                ('resident', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='residents.resident', verbose_name='resident')),
                ('programme', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='employment.trainingprogramme', verbose_name='programme')),
            ],
            options={
                'abstract': False,
            },
        ),
        migrations.AddField(
            model_name='enrolment',
            name='programme',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='enrolments', to='employment.trainingprogramme', verbose_name='programme'),
        ),
        migrations.CreateModel(
            name='TrainingSession',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.PositiveSmallIntegerField(verbose_name='number')),
                ('date', models.DateField(verbose_name='date')),
                ('topic', models.CharField(blank=True, max_length=160, verbose_name='topic')),
                ('programme', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='session_list', to='employment.trainingprogramme')),
            ],
            options={
                'verbose_name': 'training session',
                'verbose_name_plural': 'training sessions',
                'ordering': ['programme', 'number'],
            },
        ),
        migrations.CreateModel(
            name='Attendance',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('present', models.BooleanField(verbose_name='present')),
                ('marked_at', models.DateTimeField(auto_now=True, verbose_name='marked at')),
                ('marked_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('enrolment', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='attendance', to='employment.enrolment')),
                ('session', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='attendance', to='employment.trainingsession')),
            ],
            options={
                'verbose_name': 'attendance',
                'verbose_name_plural': 'attendance',
            },
        ),
        migrations.AddIndex(
            model_name='subsidyclaim',
            index=models.Index(fields=['resident', 'state'], name='subsidy_claim_resident_idx'),
        ),
        migrations.AddIndex(
            model_name='subsidyclaim',
            index=models.Index(fields=['paid_at'], name='subsidy_claim_paid_at_idx'),
        ),
        migrations.AddConstraint(
            model_name='subsidyclaim',
            constraint=models.UniqueConstraint(condition=models.Q(('state', 'rejected'), _negated=True), fields=('certificate',), name='subsidy_claim_once_per_certificate'),
        ),
        migrations.AddConstraint(
            model_name='subsidyclaim',
            constraint=models.CheckConstraint(condition=models.Q(('amount__gt', 0)), name='subsidy_claim_amount_positive'),
        ),
        migrations.AddConstraint(
            model_name='subsidyclaim',
            constraint=models.CheckConstraint(condition=models.Q(('second_approved_by__isnull', True), ('first_approved_by__isnull', True), models.Q(('second_approved_by', models.F('first_approved_by')), _negated=True), _connector='OR'), name='subsidy_claim_second_approver_differs'),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='subsidyclaim',
            trigger=pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "employment_subsidyclaimevent" ("amount", "certificate_id", "created_at", "decided_at", "decision_note", "enrolment_id", "exported_at", "first_approved_at", "first_approved_by_id", "id", "level", "needs_second_approval", "paid_at", "payment_batch", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "resident_id", "second_approved_at", "second_approved_by_id", "state", "submitted_at", "updated_at") VALUES (NEW."amount", NEW."certificate_id", NEW."created_at", NEW."decided_at", NEW."decision_note", NEW."enrolment_id", NEW."exported_at", NEW."first_approved_at", NEW."first_approved_by_id", NEW."id", NEW."level", NEW."needs_second_approval", NEW."paid_at", NEW."payment_batch", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."resident_id", NEW."second_approved_at", NEW."second_approved_by_id", NEW."state", NEW."submitted_at", NEW."updated_at"); RETURN NULL;', hash='bacbaac4ea55cb1e40c411b39a77d407ec1a15c2', operation='INSERT', pgid='pgtrigger_insert_insert_8c4bc', table='employment_subsidyclaim', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='subsidyclaim',
            trigger=pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD.* IS DISTINCT FROM NEW.*)', func='INSERT INTO "employment_subsidyclaimevent" ("amount", "certificate_id", "created_at", "decided_at", "decision_note", "enrolment_id", "exported_at", "first_approved_at", "first_approved_by_id", "id", "level", "needs_second_approval", "paid_at", "payment_batch", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "resident_id", "second_approved_at", "second_approved_by_id", "state", "submitted_at", "updated_at") VALUES (NEW."amount", NEW."certificate_id", NEW."created_at", NEW."decided_at", NEW."decision_note", NEW."enrolment_id", NEW."exported_at", NEW."first_approved_at", NEW."first_approved_by_id", NEW."id", NEW."level", NEW."needs_second_approval", NEW."paid_at", NEW."payment_batch", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."resident_id", NEW."second_approved_at", NEW."second_approved_by_id", NEW."state", NEW."submitted_at", NEW."updated_at"); RETURN NULL;', hash='9773a0aaa9f5f66acc9170d961f508d175dbe5bc', operation='UPDATE', pgid='pgtrigger_update_update_768b3', table='employment_subsidyclaim', when='AFTER')),
        ),
        migrations.AddConstraint(
            model_name='subsidyrate',
            constraint=models.UniqueConstraint(fields=('schedule', 'level'), name='subsidy_rate_once_per_level'),
        ),
        migrations.AddConstraint(
            model_name='subsidyrate',
            constraint=models.CheckConstraint(condition=models.Q(('amount__gt', 0)), name='subsidy_rate_positive'),
        ),
        migrations.AddConstraint(
            model_name='subsidyrate',
            constraint=models.CheckConstraint(condition=models.Q(('level', 'none'), _negated=True), name='subsidy_rate_not_for_level_none'),
        ),
        migrations.AddIndex(
            model_name='trainingprogramme',
            index=models.Index(fields=['skill', 'starts_on'], name='training_skill_start_idx'),
        ),
        migrations.AddIndex(
            model_name='trainingprogramme',
            index=models.Index(fields=['town', 'starts_on'], name='training_town_start_idx'),
        ),
        migrations.AddConstraint(
            model_name='trainingprogramme',
            constraint=models.CheckConstraint(condition=models.Q(('seats__gte', 1)), name='training_seats_positive'),
        ),
        migrations.AddConstraint(
            model_name='trainingprogramme',
            constraint=models.CheckConstraint(condition=models.Q(('enrolled_count__lte', models.F('seats'))), name='training_enrolled_within_seats'),
        ),
        migrations.AddConstraint(
            model_name='trainingprogramme',
            constraint=models.CheckConstraint(condition=models.Q(('starts_on__lte', models.F('ends_on'))), name='training_starts_before_end'),
        ),
        migrations.AddConstraint(
            model_name='trainingprogramme',
            constraint=models.CheckConstraint(condition=models.Q(('sessions__gte', 1)), name='training_at_least_one_session'),
        ),
        migrations.AddConstraint(
            model_name='trainingprogramme',
            constraint=models.CheckConstraint(condition=models.Q(('sessions_required__gte', 1), ('sessions_required__lte', models.F('sessions'))), name='training_required_sessions_within_sessions'),
        ),
        migrations.AddConstraint(
            model_name='trainingprogramme',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind', 'workshop'), _negated=True), ('employer__isnull', False), _connector='OR'), name='training_workshop_has_employer'),
        ),
        migrations.AddIndex(
            model_name='enrolment',
            index=models.Index(fields=['programme', 'state', 'submitted_at'], name='enrolment_programme_state_idx'),
        ),
        migrations.AddIndex(
            model_name='enrolment',
            index=models.Index(fields=['resident', 'state'], name='enrolment_resident_idx'),
        ),
        migrations.AddIndex(
            model_name='enrolment',
            index=models.Index(fields=['enrolled_at'], name='enrolment_enrolled_at_idx'),
        ),
        migrations.AddIndex(
            model_name='enrolment',
            index=models.Index(fields=['completed_at'], name='enrolment_completed_at_idx'),
        ),
        migrations.AddConstraint(
            model_name='enrolment',
            constraint=models.UniqueConstraint(condition=models.Q(('state', 'withdrawn'), _negated=True), fields=('programme', 'resident'), name='enrolment_once_per_programme'),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='enrolment',
            trigger=pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "employment_enrolmentevent" ("certificate_id", "completed_at", "created_at", "decided_at", "decision_note", "enrolled_at", "id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "programme_id", "resident_id", "state", "submitted_at", "updated_at") VALUES (NEW."certificate_id", NEW."completed_at", NEW."created_at", NEW."decided_at", NEW."decision_note", NEW."enrolled_at", NEW."id", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."programme_id", NEW."resident_id", NEW."state", NEW."submitted_at", NEW."updated_at"); RETURN NULL;', hash='643d072085ade684309c855ab73fb106b06e5bdd', operation='INSERT', pgid='pgtrigger_insert_insert_474d0', table='employment_enrolment', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='enrolment',
            trigger=pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD.* IS DISTINCT FROM NEW.*)', func='INSERT INTO "employment_enrolmentevent" ("certificate_id", "completed_at", "created_at", "decided_at", "decision_note", "enrolled_at", "id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "programme_id", "resident_id", "state", "submitted_at", "updated_at") VALUES (NEW."certificate_id", NEW."completed_at", NEW."created_at", NEW."decided_at", NEW."decision_note", NEW."enrolled_at", NEW."id", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."programme_id", NEW."resident_id", NEW."state", NEW."submitted_at", NEW."updated_at"); RETURN NULL;', hash='9bd56641744ac92eed18b4e87b7c51c4d61e0a65', operation='UPDATE', pgid='pgtrigger_update_update_0a57e', table='employment_enrolment', when='AFTER')),
        ),
        migrations.AddConstraint(
            model_name='trainingsession',
            constraint=models.UniqueConstraint(fields=('programme', 'number'), name='training_session_number_once'),
        ),
        migrations.AddConstraint(
            model_name='attendance',
            constraint=models.UniqueConstraint(fields=('enrolment', 'session'), name='attendance_once_per_session'),
        ),
        migrations.RunPython(seed_subsidies, migrations.RunPython.noop),
    ]

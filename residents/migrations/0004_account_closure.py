# Closing a resident's account: what is kept and what is erased.

import django.db.models.deletion
import pgtrigger.compiler
import pgtrigger.migrations
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("pghistory", "0007_auto_20250421_0444"),
        ("residents", "0003_search_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='AccountClosure',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                ('state', models.CharField(choices=[('requested', 'requested'), ('cancelled', 'cancelled'), ('closed', 'closed')], default='requested', max_length=10, verbose_name='state')),
                ('due_at', models.DateTimeField(verbose_name='closes on')),
                ('cancelled_at', models.DateTimeField(blank=True, null=True, verbose_name='cancelled at')),
                ('closed_at', models.DateTimeField(blank=True, null=True, verbose_name='closed at')),
                ('kept', models.JSONField(blank=True, default=dict, verbose_name='records kept')),
                ('closed_by', models.ForeignKey(blank=True, help_text='Empty when the daily run closed it after the grace period.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='closed by')),
                ('requested_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='requested by')),
                ('resident', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='closures', to='residents.resident')),
            ],
            options={
                'verbose_name': 'account closure',
                'verbose_name_plural': 'account closures',
                'ordering': ['-created_at'],
            },
        ),
        migrations.CreateModel(
            name='AccountClosureEvent',
            fields=[
                ('pgh_id', models.AutoField(primary_key=True, serialize=False)),
                ('pgh_created_at', models.DateTimeField(auto_now_add=True)),
                ('pgh_label', models.TextField(help_text='The event label.')),
                ('id', models.BigIntegerField()),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                ('state', models.CharField(choices=[('requested', 'requested'), ('cancelled', 'cancelled'), ('closed', 'closed')], default='requested', max_length=10, verbose_name='state')),
                ('due_at', models.DateTimeField(verbose_name='closes on')),
                ('cancelled_at', models.DateTimeField(blank=True, null=True, verbose_name='cancelled at')),
                ('closed_at', models.DateTimeField(blank=True, null=True, verbose_name='closed at')),
                ('kept', models.JSONField(blank=True, default=dict, verbose_name='records kept')),
                ('closed_by', models.ForeignKey(blank=True, db_constraint=False, help_text='Empty when the daily run closed it after the grace period.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to=settings.AUTH_USER_MODEL, verbose_name='closed by')),
                ('pgh_context', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='pghistory.context')),
                ('pgh_obj', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='events', to='residents.accountclosure')),
                ('requested_by', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to=settings.AUTH_USER_MODEL, verbose_name='requested by')),
                ('resident', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='residents.resident')),
            ],
            options={
                'abstract': False,
            },
        ),
        migrations.AddIndex(
            model_name='accountclosure',
            index=models.Index(fields=['state', 'due_at'], name='closure_state_due_idx'),
        ),
        migrations.AddConstraint(
            model_name='accountclosure',
            constraint=models.UniqueConstraint(condition=models.Q(('state__in', ['requested', 'closed'])), fields=('resident',), name='closure_one_open_per_resident'),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='accountclosure',
            trigger=pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "residents_accountclosureevent" ("cancelled_at", "closed_at", "closed_by_id", "created_at", "due_at", "id", "kept", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "requested_by_id", "resident_id", "state", "updated_at") VALUES (NEW."cancelled_at", NEW."closed_at", NEW."closed_by_id", NEW."created_at", NEW."due_at", NEW."id", NEW."kept", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."requested_by_id", NEW."resident_id", NEW."state", NEW."updated_at"); RETURN NULL;', hash='2587bdc988ca4644820d0b013e8d20f026e3eed1', operation='INSERT', pgid='pgtrigger_insert_insert_9de82', table='residents_accountclosure', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='accountclosure',
            trigger=pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD.* IS DISTINCT FROM NEW.*)', func='INSERT INTO "residents_accountclosureevent" ("cancelled_at", "closed_at", "closed_by_id", "created_at", "due_at", "id", "kept", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "requested_by_id", "resident_id", "state", "updated_at") VALUES (NEW."cancelled_at", NEW."closed_at", NEW."closed_by_id", NEW."created_at", NEW."due_at", NEW."id", NEW."kept", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."requested_by_id", NEW."resident_id", NEW."state", NEW."updated_at"); RETURN NULL;', hash='a2e999ebf9534006585a8f12cb98dd8153f9a9e4', operation='UPDATE', pgid='pgtrigger_update_update_2e3e5', table='residents_accountclosure', when='AFTER')),
        ),
    ]

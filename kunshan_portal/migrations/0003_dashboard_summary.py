# The officials' dashboard: summary figures refreshed in the background.

import django.core.serializers.json
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("kunshan_portal", "0002_roles"),
    ]

    operations = [
        migrations.CreateModel(
            name='DashboardRefresh',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('started_at', models.DateTimeField(verbose_name='started at')),
                ('finished_at', models.DateTimeField(db_index=True, verbose_name='data as of')),
                ('seconds', models.FloatField(verbose_name='duration (seconds)')),
                ('rows', models.PositiveIntegerField(verbose_name='rows stored')),
                ('towns', models.JSONField(default=list, verbose_name='towns')),
                ('sections', models.JSONField(default=dict, verbose_name='headline sections')),
                ('reason', models.CharField(blank=True, max_length=64, verbose_name='reason')),
            ],
            options={
                'verbose_name': 'dashboard refresh',
                'verbose_name_plural': 'dashboard refreshes',
                'ordering': ['-finished_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='DashboardFigure',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('domain', models.CharField(max_length=32, verbose_name='domain')),
                ('table', models.CharField(max_length=48, verbose_name='table')),
                ('month', models.DateField(blank=True, null=True, verbose_name='month')),
                ('town', models.CharField(blank=True, max_length=32, verbose_name='town')),
                ('key', models.CharField(blank=True, max_length=64, verbose_name='key')),
                ('label_zh', models.CharField(blank=True, max_length=200, verbose_name='label (Chinese)')),
                ('label_en', models.CharField(blank=True, max_length=200, verbose_name='label (English)')),
                ('values', models.JSONField(encoder=django.core.serializers.json.DjangoJSONEncoder, verbose_name='values')),
            ],
            options={
                'verbose_name': 'dashboard figure',
                'verbose_name_plural': 'dashboard figures',
                'indexes': [models.Index(fields=['domain', 'table', 'month'], name='dashboard_figure_idx')],
            },
        ),
    ]

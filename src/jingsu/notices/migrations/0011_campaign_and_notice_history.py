"""CampaignEvent and NoticeEvent: the history of a campaign's and a notice's status moves (one row per move, as
DeliveryEvent is an attempt's), written by their state machines (notices.models, jingsu.core.states). Moves before
this migration have no rows."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('notices', '0010_templates_contact'),
    ]

    operations = [
        migrations.CreateModel(
            name='CampaignEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('from_status', models.CharField(max_length=12)),
                ('to_status', models.CharField(max_length=12)),
                ('at', models.DateTimeField()),
                ('actor', models.CharField(blank=True, max_length=150)),
                ('reason', models.TextField(blank=True)),
                ('campaign', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='events', to='notices.campaign')),
            ],
            options={
                'ordering': ['at', 'id'],
            },
        ),
        migrations.CreateModel(
            name='NoticeEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('from_status', models.CharField(max_length=16)),
                ('to_status', models.CharField(max_length=16)),
                ('at', models.DateTimeField()),
                ('actor', models.CharField(blank=True, max_length=150)),
                ('reason', models.TextField(blank=True)),
                ('notice', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='events', to='notices.notice')),
            ],
            options={
                'ordering': ['at', 'id'],
            },
        ),
    ]

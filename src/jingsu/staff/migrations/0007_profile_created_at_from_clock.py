# StaffProfile.created_at is set by the caller from the injected clock (no auto_now_add).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('staff', '0006_merge_roll_preview_worker_claim_accounts'),
    ]

    operations = [
        migrations.AlterField(
            model_name='staffprofile',
            name='created_at',
            field=models.DateTimeField(),
        ),
    ]

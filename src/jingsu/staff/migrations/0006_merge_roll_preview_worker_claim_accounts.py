# Merge of three parallel 0005 migrations (roll preview, upload worker claim, account requests).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('staff', '0005_account_setup_and_requests'),
        ('staff', '0005_roll_upload_preview'),
        ('staff', '0005_rollupload_worker_claim'),
    ]

    operations = [
    ]

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("staff", "0004_rollupload"),
    ]

    operations = [
        migrations.AddField(
            model_name="rollupload",
            name="plan",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name="rollupload",
            name="owner_change_reason",
            field=models.TextField(blank=True),
        ),
    ]

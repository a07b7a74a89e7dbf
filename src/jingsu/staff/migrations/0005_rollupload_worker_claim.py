from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("staff", "0004_rollupload"),
    ]

    operations = [
        migrations.AddField(
            model_name="rollupload",
            name="claimed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]

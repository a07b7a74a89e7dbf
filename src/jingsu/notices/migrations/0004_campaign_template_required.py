import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("notices", "0003_default_templates")]
    operations = [
        migrations.AlterField(
            model_name="campaign",
            name="template",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="campaigns",
                                    to="notices.noticetemplate", verbose_name="문서 서식"),
        ),
    ]

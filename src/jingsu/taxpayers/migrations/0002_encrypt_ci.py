"""CI (연계정보) at rest: encrypt the existing plaintext values (Fernet, like registration numbers), add a keyed hash
for lookups under its own key, and drop the plaintext column (issue 20 §8)."""

from django.db import migrations, models


def encrypt_existing(apps, schema_editor):
    from jingsu.core import crypto

    TaxpayerCI = apps.get_model("taxpayers", "TaxpayerCI")
    batch = []
    for row in TaxpayerCI.objects.exclude(ci="").only("pk", "ci").iterator(chunk_size=2000):
        row.ci_encrypted = crypto.encrypt(row.ci)
        row.ci_hash = crypto.ci_hash(row.ci)
        batch.append(row)
        if len(batch) >= 2000:
            TaxpayerCI.objects.bulk_update(batch, ["ci_encrypted", "ci_hash"])
            batch = []
    if batch:
        TaxpayerCI.objects.bulk_update(batch, ["ci_encrypted", "ci_hash"])


def decrypt_back(apps, schema_editor):
    from jingsu.core import crypto

    TaxpayerCI = apps.get_model("taxpayers", "TaxpayerCI")
    for row in TaxpayerCI.objects.exclude(ci_encrypted="").iterator(chunk_size=2000):
        row.ci = crypto.decrypt(row.ci_encrypted)
        row.save(update_fields=["ci"])


class Migration(migrations.Migration):
    dependencies = [("taxpayers", "0001_initial")]

    operations = [
        migrations.AddField(model_name="taxpayerci", name="ci_encrypted", field=models.TextField(blank=True, default=""),
                            preserve_default=False),
        migrations.AddField(model_name="taxpayerci", name="ci_hash",
                            field=models.CharField(blank=True, db_index=True, default="", max_length=64),
                            preserve_default=False),
        migrations.RunPython(encrypt_existing, decrypt_back, elidable=False),
        migrations.RemoveField(model_name="taxpayerci", name="ci"),
    ]

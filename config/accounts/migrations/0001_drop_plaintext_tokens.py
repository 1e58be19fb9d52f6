"""DRF authtoken kept API keys in plain text; knox (hashed, expiring) replaces it, so the old table goes."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies: list = []

    operations = [
        migrations.RunSQL("DROP TABLE IF EXISTS authtoken_token CASCADE", reverse_sql=migrations.RunSQL.noop),
    ]

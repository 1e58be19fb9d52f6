"""Usernames are unique whatever their case: Casey, casey and CASEY are one name, decided by the database."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_drop_plaintext_tokens"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE UNIQUE INDEX IF NOT EXISTS accounts_username_lower_uniq ON auth_user (lower(username))",
            reverse_sql="DROP INDEX IF EXISTS accounts_username_lower_uniq",
        ),
    ]

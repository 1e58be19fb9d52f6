"""The history of payout account changes (who, when, old, new), append-only: the database refuses UPDATE and DELETE."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

APPEND_ONLY = """
CREATE OR REPLACE FUNCTION raters_payout_account_change_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'raters_payoutaccountchange is append-only: it is the history of where money went';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER raters_payoutaccountchange_append_only
BEFORE UPDATE OR DELETE ON raters_payoutaccountchange
FOR EACH ROW EXECUTE FUNCTION raters_payout_account_change_append_only();
"""

DROP_APPEND_ONLY = """
DROP TRIGGER IF EXISTS raters_payoutaccountchange_append_only ON raters_payoutaccountchange;
DROP FUNCTION IF EXISTS raters_payout_account_change_append_only();
"""


class Migration(migrations.Migration):

    dependencies = [
        ('labeling', '0008_review_pass_flags_skip_codes'),
        ('raters', '0006_payout_statements_immutable'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='PayoutAccountChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('source', models.CharField(choices=[('rater', 'The rater'), ('staff', 'Staff')], max_length=8)),
                ('old_platform', models.CharField(blank=True, max_length=16)),
                ('old_participant_id', models.CharField(blank=True, max_length=64)),
                ('old_assignment_id', models.CharField(blank=True, max_length=64)),
                ('new_platform', models.CharField(max_length=16)),
                ('new_participant_id', models.CharField(max_length=64)),
                ('new_assignment_id', models.CharField(blank=True, max_length=64)),
                ('changed_at', models.DateTimeField(auto_now_add=True)),
                ('changed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('project', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='labeling.project')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='payout_account_changes', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'indexes': [models.Index(fields=['project', 'user', '-changed_at'], name='payout_change_rater_idx')],
            },
        ),
        migrations.RunSQL(APPEND_ONLY, DROP_APPEND_ONLY),
    ]

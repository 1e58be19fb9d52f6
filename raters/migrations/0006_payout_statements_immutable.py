"""Payout statements and their entry links are immutable: the database refuses UPDATE and DELETE on them."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION raters_payout_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is immutable; a correction is a new ledger entry in the next pay period', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER raters_payoutstatement_immutable
BEFORE UPDATE OR DELETE ON raters_payoutstatement
FOR EACH ROW EXECUTE FUNCTION raters_payout_immutable();

CREATE TRIGGER raters_payoutstatemententry_immutable
BEFORE UPDATE OR DELETE ON raters_payoutstatemententry
FOR EACH ROW EXECUTE FUNCTION raters_payout_immutable();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS raters_payoutstatemententry_immutable ON raters_payoutstatemententry;
DROP TRIGGER IF EXISTS raters_payoutstatement_immutable ON raters_payoutstatement;
DROP FUNCTION IF EXISTS raters_payout_immutable();
"""


class Migration(migrations.Migration):
    dependencies = [("raters", "0005_pay_periods_and_payouts")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]

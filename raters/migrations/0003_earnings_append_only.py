"""The earnings ledger is append-only: the database itself refuses UPDATE and DELETE on it."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION raters_earnings_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'raters_earningsentry is append-only; add an adjustment entry instead';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER raters_earnings_no_update_delete
BEFORE UPDATE OR DELETE ON raters_earningsentry
FOR EACH ROW EXECUTE FUNCTION raters_earnings_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS raters_earnings_no_update_delete ON raters_earningsentry;
DROP FUNCTION IF EXISTS raters_earnings_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("raters", "0002_lifecycle")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]

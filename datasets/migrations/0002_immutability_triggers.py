"""Database-enforced immutability of built dataset versions (docs/adr/0005-dataset-erasure.md).

A version and its rows may change only while the version is `building`. After that, UPDATE and
DELETE are refused with SQLSTATE 23001 (restrict_violation), whatever the client: the ORM, raw SQL,
psql. The erasure service is the one exception: it sets the transaction-local variable
`datasets.erasure = 'on'` (SET LOCAL), which these triggers accept.
"""

from django.db import migrations

FORWARD = r"""
CREATE FUNCTION datasets_erasure_allowed() RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT coalesce(current_setting('datasets.erasure', true), '') = 'on'
$$;

CREATE FUNCTION datasets_version_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status <> 'building' AND NOT datasets_erasure_allowed() THEN
        RAISE EXCEPTION 'dataset version % is % and immutable: % refused', OLD.id, OLD.status, TG_OP
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER datasets_version_immutable
    BEFORE UPDATE OR DELETE ON datasets_datasetversion
    FOR EACH ROW EXECUTE FUNCTION datasets_version_guard();

CREATE FUNCTION datasets_row_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    version_status text;
BEGIN
    IF NOT datasets_erasure_allowed() THEN
        SELECT status INTO version_status FROM datasets_datasetversion WHERE id = OLD.version_id;
        IF version_status IS DISTINCT FROM 'building' THEN
            RAISE EXCEPTION 'rows of dataset version % are immutable: % refused', OLD.version_id, TG_OP
                USING ERRCODE = 'restrict_violation';
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER datasets_row_immutable
    BEFORE UPDATE OR DELETE ON datasets_datasetrow
    FOR EACH ROW EXECUTE FUNCTION datasets_row_guard();

-- One check per INSERT statement (COPY included), not per row, so bulk loads stay fast.
CREATE FUNCTION datasets_row_insert_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM datasets_datasetversion v
        WHERE v.status <> 'building' AND v.id IN (SELECT DISTINCT version_id FROM new_rows)
    ) THEN
        RAISE EXCEPTION 'rows cannot be added to a built dataset version'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER datasets_row_insert_immutable
    AFTER INSERT ON datasets_datasetrow
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION datasets_row_insert_guard();
"""

BACKWARD = r"""
DROP TRIGGER IF EXISTS datasets_row_insert_immutable ON datasets_datasetrow;
DROP TRIGGER IF EXISTS datasets_row_immutable ON datasets_datasetrow;
DROP TRIGGER IF EXISTS datasets_version_immutable ON datasets_datasetversion;
DROP FUNCTION IF EXISTS datasets_row_insert_guard();
DROP FUNCTION IF EXISTS datasets_row_guard();
DROP FUNCTION IF EXISTS datasets_version_guard();
DROP FUNCTION IF EXISTS datasets_erasure_allowed();
"""


class Migration(migrations.Migration):
    dependencies = [("datasets", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]

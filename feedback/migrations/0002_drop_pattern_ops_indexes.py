"""Drop the varchar_pattern_ops ("_like") indexes Django adds to text primary keys: nothing here does
LIKE on request or event ids, and each extra index costs every upsert of the join."""

from django.db import migrations

DROP = """
DO $$
DECLARE name text;
BEGIN
    FOR name IN SELECT indexname FROM pg_indexes
        WHERE tablename IN ('feedback_inferencerequest', 'feedback_feedbackevent') AND indexname LIKE '%\\_like'
    LOOP
        EXECUTE format('DROP INDEX IF EXISTS %I', name);
    END LOOP;
END $$;
"""

CREATE = """
CREATE INDEX IF NOT EXISTS feedback_inferencerequest_request_id_like
    ON feedback_inferencerequest (request_id varchar_pattern_ops);
CREATE INDEX IF NOT EXISTS feedback_feedbackevent_event_id_like ON feedback_feedbackevent (event_id varchar_pattern_ops);
"""


class Migration(migrations.Migration):
    dependencies = [("feedback", "0001_direct_labels")]

    operations = [migrations.RunSQL(DROP, CREATE)]

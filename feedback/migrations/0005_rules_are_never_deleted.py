"""Label rules are never deleted (a trigger refuses DELETE and a change of id), so the rule ids on requests
and labels need no per-row foreign-key check at commit (docs/adr/0026-feedback-join-cpu-budget.md)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0004_servingstatistics"),
    ]

    operations = [
        migrations.RunSQL(
            sql="""
            CREATE FUNCTION feedback_labelrule_keep() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'label rule % cannot be deleted or renumbered: labels point at it; deactivate it',
                    OLD.id USING ERRCODE = 'restrict_violation';
            END $$;
            CREATE TRIGGER labelrule_keep BEFORE DELETE OR UPDATE OF id ON feedback_labelrule
                FOR EACH ROW EXECUTE FUNCTION feedback_labelrule_keep();
            """,
            reverse_sql="""
            DROP TRIGGER labelrule_keep ON feedback_labelrule;
            DROP FUNCTION feedback_labelrule_keep();
            """,
        ),
        migrations.AlterField(
            model_name="directlabel",
            name="rule",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                to="feedback.labelrule",
            ),
        ),
        migrations.AlterField(
            model_name="inferencerequest",
            name="rule",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                to="feedback.labelrule",
            ),
        ),
    ]

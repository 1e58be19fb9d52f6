"""Gold policy on dataset definitions (existing ones get `exclude`), gold rows, and per-source counts."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('datasets', '0002_immutability_triggers'),
    ]

    operations = [
        migrations.AddField(
            model_name='dataset',
            name='gold',
            field=models.CharField(choices=[('exclude', 'Leave gold items out'), ('known_answer', "Export gold items with their known answer, source 'gold'")], default='exclude', help_text="Gold items: left out, or exported with their known answer (source 'gold')", max_length=16),
        ),
        migrations.AddField(
            model_name='datasetversion',
            name='source_counts',
            field=models.JSONField(default=dict, help_text='{source: rows}: human, direct, gold'),
        ),
        migrations.AlterField(
            model_name='datasetrow',
            name='source',
            field=models.CharField(choices=[('human', 'Resolved human label'), ('direct', 'Direct label'), ('gold', 'Known answer of a gold item')], max_length=8),
        ),
        migrations.AddConstraint(
            model_name='dataset',
            constraint=models.CheckConstraint(condition=models.Q(('gold__in', ['exclude', 'known_answer'])), name='dataset_gold_policy_valid'),
        ),
    ]

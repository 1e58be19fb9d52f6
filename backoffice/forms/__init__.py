"""Forms posted from the dashboard: the recompute button, an adjudication decision, a staff note."""

from __future__ import annotations

import json

from django import forms


class RecomputeForm(forms.Form):
    section = forms.CharField(max_length=32)
    project = forms.IntegerField(required=False)
    next = forms.CharField(max_length=500, required=False)


class AdjudicateForm(forms.Form):
    label = forms.CharField(max_length=2000, help_text="The decided label as JSON")
    rationale = forms.CharField(max_length=2000)

    def clean_label(self):
        try:
            return json.loads(self.cleaned_data["label"])
        except ValueError:
            raise forms.ValidationError("Not a valid label.")


class NoteForm(forms.Form):
    """The optional note on an application decision or a reinstatement."""

    note = forms.CharField(max_length=500, required=False)

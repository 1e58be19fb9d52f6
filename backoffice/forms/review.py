"""The review decision form (outcome and comment); the rules are the review service's."""

from __future__ import annotations

from django import forms


class ReviewDecideForm(forms.Form):
    outcome = forms.ChoiceField(choices=[("accept", "Accept"), ("reject", "Reject")])
    comment = forms.CharField(max_length=2000, required=False)

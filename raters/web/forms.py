"""Forms of the rater web UI. They only validate input shape; rules live in the services."""

from __future__ import annotations

from django import forms

from raters.models import Platform, RaterType
from raters.models.attributes import AgeBand, Gender
from raters.services.attributes import CONSENT_TEXT


class AttributesFields(forms.Form):
    consent = forms.BooleanField(required=False, label=CONSENT_TEXT)
    language = forms.CharField(max_length=64, required=False, label="First language")
    region = forms.CharField(max_length=64, required=False, label="Region or country")
    age_band = forms.ChoiceField(choices=[("", "Prefer not to say"), *AgeBand.choices], required=False)
    gender = forms.ChoiceField(choices=[("", "Prefer not to say"), *Gender.choices], required=False)
    domain_expertise = forms.CharField(max_length=100, required=False, label="Domain expertise")

    def attribute_values(self) -> dict[str, str]:
        return {
            k: self.cleaned_data.get(k, "") for k in ("language", "region", "age_band", "gender", "domain_expertise")
        }

    def clean(self):
        data = super().clean()
        if any(self.attribute_values().values()) and not data.get("consent"):
            raise forms.ValidationError("Tick the consent box to share these answers, or leave them empty.")
        return data


class SignUpForm(AttributesFields):
    username = forms.CharField(max_length=150, widget=forms.TextInput(attrs={"autocomplete": "username"}))
    email = forms.EmailField(required=False, label="Email (optional)")
    password = forms.CharField(widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password_again = forms.CharField(widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    rater_type = forms.ChoiceField(choices=RaterType.choices, label="I am joining as")
    expertise = forms.CharField(max_length=300, required=False, label="Your expertise (optional)")
    invite = forms.CharField(required=False, widget=forms.HiddenInput)

    field_order = ["username", "email", "password", "password_again", "rater_type", "expertise", "invite"]

    def __init__(self, *args, rater_types: list[str] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if rater_types:
            self.fields["rater_type"].choices = [c for c in RaterType.choices if c[0] in rater_types]

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", "The two passwords differ.")
        return data


class SkipForm(forms.Form):
    task_id = forms.CharField(max_length=64)
    code = forms.CharField(max_length=32, required=False)
    reason = forms.CharField(max_length=500, required=False)


class FlagForm(forms.Form):
    task_id = forms.CharField(max_length=64)
    reason = forms.CharField(max_length=16)
    text = forms.CharField(max_length=500, required=False)


class LabelMetaForm(forms.Form):
    """The hidden fields of the label form (the label itself is read by `value_from_post`)."""

    task_id = forms.CharField(max_length=64)
    time_spent_ms = forms.IntegerField(min_value=0, required=False)
    instruction_version = forms.IntegerField(min_value=0, required=False)


class PayoutAccountForm(forms.Form):
    """Where I am paid on one project. The project list is mine only (set by the view)."""

    project = forms.TypedChoiceField(coerce=int, choices=(), label="Project")
    platform = forms.ChoiceField(choices=Platform.choices, label="Platform")
    # Not *_id: web form parameters named so must be integers (config/input_guard.py).
    participant = forms.CharField(
        max_length=64, label="Participant or worker id", help_text="Prolific: 24 characters 0-9 a-f. MTurk: A…"
    )
    assignment = forms.CharField(max_length=64, required=False, label="MTurk assignment id (MTurk only)")

    def __init__(self, *args, projects=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].choices = [(p.pk, p.name) for p in projects]

"""Forms of the staff setup pages. They check types and shapes only; every rule is the owning service's."""

from __future__ import annotations

from typing import Any

from django import forms

from datasets.models import GoldPolicy
from labeling.models import Project, Role

# Fieldsets of the project form, in page (and tab) order.
PROJECT_FIELDSETS = [
    ("Project", ["name", "description"]),
    ("Label schema", ["label_type", "categories", "min_value", "max_value"]),
    (
        "Assignment",
        [
            "overlap",
            "lease_seconds",
            "gold_ratio",
            "review_mode",
            "review_share",
            "review_reveal_identity",
            "skip_reasons",
        ],
    ),
    ("Adaptive overlap", ["overlap_policy", "overlap_min", "overlap_max", "overlap_target"]),
    ("Resolution", ["aggregation_method", "confidence_threshold"]),
    ("Qualification exam", ["requires_exam", "exam_pass_mark", "exam_cooldown_minutes"]),
    (
        "Quality rules (leave a threshold empty to switch the rule off)",
        [
            "pause_min_gold",
            "pause_gold_accuracy_below",
            "fast_answer_seconds",
            "pause_fast_share_above",
            "pause_min_answers",
            "pause_reject_share_above",
            "flag_unclear_threshold",
        ],
    ),
    (
        "Pay and budget (cents)",
        ["pay_per_annotation_cents", "gold_bonus_cents", "gold_bonus_threshold", "budget_cents"],
    ),
]
ADAPTIVE_FIELDS = ["overlap_policy", "overlap_min", "overlap_max", "overlap_target"]
# The model fields the form edits, in page order; categories is a text field of its own (one per line).
PROJECT_FIELDS = [name for _, group in PROJECT_FIELDSETS for name in group if name != "categories"]


class ProjectForm(forms.Form):
    """Every setting a project has, with the model's own field types and defaults."""

    categories = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "data-preview-categories": ""}),
        help_text="One category per line, in the order raters see them (keys 1-9 pick the first nine).",
    )

    def __init__(self, *args: Any, project: Project | None = None, **kwargs: Any) -> None:
        if project is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                **forms.model_to_dict(project, fields=PROJECT_FIELDS + ["is_active"]),
                "categories": "\n".join(str(c) for c in project.categories or []),
            }
        super().__init__(*args, **kwargs)
        model_fields = forms.fields_for_model(Project, fields=PROJECT_FIELDS + (["is_active"] if project else []))
        categories = self.fields.pop("categories")
        for name, field in model_fields.items():
            self.fields[name] = field
            if name == "label_type":
                self.fields["categories"] = categories
        self.fields["label_type"].widget.attrs["data-preview-type"] = ""
        # A post without the adaptive-overlap settings (an older page, a script) keeps what the project has.
        self._kept = {
            name: getattr(project, name) if project else Project._meta.get_field(name).default
            for name in ADAPTIVE_FIELDS
        }
        for name in ADAPTIVE_FIELDS:
            self.fields[name].required = False
        self.fields["overlap_policy"].help_text = "Adaptive: each item gets raters until its label is sure enough."
        self.fields["overlap_target"].help_text = "Confidence (posterior) at which an adaptive item stops, 0.5 to 1."
        self.fields["name"].widget.attrs["autofocus"] = True
        self.fields["description"].widget.attrs["rows"] = 2

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for name in ADAPTIVE_FIELDS:
            if cleaned.get(name) in (None, ""):
                cleaned[name] = self._kept[name]
        return cleaned

    def clean_categories(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["categories"].splitlines()]
        return [line for line in lines if line]

    def clean_skip_reasons(self) -> list:
        return self.cleaned_data.get("skip_reasons") or []

    def fieldsets(self) -> list[tuple[str, list[forms.BoundField]]]:
        names = {name for _, group in PROJECT_FIELDSETS for name in group}
        sets = [(title, [self[name] for name in group if name in self.fields]) for title, group in PROJECT_FIELDSETS]
        rest = [self[name] for name in self.fields if name not in names]
        return sets + ([("Status", rest)] if rest else [])


class InstructionsForm(forms.Form):
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 16, "autofocus": True}),
        help_text="Markdown: # headings, - lists, **bold**.",
    )
    change_note = forms.CharField(max_length=300, required=False, help_text="What changed, for raters and the log.")


UPLOAD_KINDS = [
    ("items", "Items to label"),
    ("gold", "Gold items (known answer, mixed into the queue)"),
    ("exam", "Exam questions (known answer)"),
    ("practice", "Practice items (known answer and explanation)"),
]
UPLOAD_FORMATS = [
    ("", "Guess from the file name"),
    ("csv", "CSV"),
    ("jsonl", "JSONL"),
    ("labelstudio", "Label Studio JSON"),
]


class UploadForm(forms.Form):
    kind = forms.ChoiceField(choices=UPLOAD_KINDS, initial="items", label="What the file holds")
    file = forms.FileField(help_text="CSV (one item per row), JSONL (one object per line) or Label Studio JSON.")
    format = forms.ChoiceField(choices=UPLOAD_FORMATS, required=False)
    answer_column = forms.CharField(
        max_length=100,
        initial="label",
        required=False,
        label="Answer column",
        help_text="For gold, exam and practice files: the column (or key) that holds the known answer.",
    )
    explanation_column = forms.CharField(
        max_length=100,
        initial="explanation",
        required=False,
        label="Explanation column",
        help_text="Optional: shown to raters after a practice answer.",
    )


class CampaignForm(forms.Form):
    title = forms.CharField(max_length=200, widget=forms.TextInput(attrs={"autofocus": True}))
    slug = forms.SlugField(
        max_length=64, required=False, help_text="The sign-up address /join/<slug>/; from the title if empty."
    )
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, help_text="Shown on the sign-up page."
    )
    places = forms.IntegerField(required=False, min_value=1, help_text="Empty: no limit.")
    invite_only = forms.BooleanField(required=False)
    requires_approval = forms.BooleanField(
        required=False, help_text="Staff approve each applicant on the Applicants page."
    )


class InviteForm(forms.Form):
    max_uses = forms.IntegerField(required=False, min_value=1, initial=1, help_text="Empty: unlimited.")
    note = forms.CharField(max_length=200, required=False)


class MemberAddForm(forms.Form):
    username = forms.CharField(max_length=150)
    role = forms.ChoiceField(choices=Role.choices, initial=Role.RATER)


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class MemberRemoveForm(forms.Form):
    reason = forms.CharField(max_length=500, required=False)


class DatasetForm(forms.Form):
    name = forms.SlugField(max_length=100, help_text="Letters, digits, - and _; used in export file names.")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    projects = forms.ModelMultipleChoiceField(queryset=Project.objects.none(), widget=forms.CheckboxSelectMultiple)
    gold = forms.ChoiceField(choices=GoldPolicy.choices, initial=GoldPolicy.EXCLUDE, label="Gold items")
    adjudicated_only = forms.BooleanField(required=False)
    train_fraction = forms.FloatField(initial=0.8, min_value=0, max_value=1)
    validation_fraction = forms.FloatField(initial=0.1, min_value=0, max_value=1)
    test_fraction = forms.FloatField(initial=0.1, min_value=0, max_value=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["projects"].queryset = Project.objects.order_by("name")

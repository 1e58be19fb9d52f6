"""Qualification exams and onboarding practice answers."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class ExamAttempt(models.Model):
    """One scored attempt at a project's exam (its `is_exam` items). Failing starts the project's cool-down."""

    project = models.ForeignKey("labeling.Project", on_delete=models.CASCADE, related_name="exam_attempts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exam_attempts")
    answers = models.JSONField(default=dict)
    correct = models.PositiveIntegerField()
    total = models.PositiveIntegerField()
    score = models.FloatField()
    passed = models.BooleanField()
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(correct__lte=models.F("total")), name="exam_correct_le_total")
        ]
        indexes = [models.Index(fields=["project", "user", "-submitted_at"], name="exam_attempt_user_idx")]


class PracticeAnswer(models.Model):
    """An onboarding answer to a practice item; the rater is shown the correct answer and why."""

    project = models.ForeignKey("labeling.Project", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="practice_answers")
    item = models.ForeignKey("labeling.Item", on_delete=models.CASCADE, related_name="+")
    value = models.JSONField()
    is_correct = models.BooleanField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["project", "user"], name="practice_user_idx")]

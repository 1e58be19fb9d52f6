"""Onboarding: the qualification exam, acknowledging the instructions, and practice items with feedback."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from config.exceptions import ApplicationError
from labeling.models import Project
from labeling.selectors.instructions import instructions_current
from labeling.services.instructions import instructions_acknowledge
from raters.scoring import display_value
from raters.selectors.onboarding import exam_items, exam_status, practice_next_item, rater_next_step
from raters.services.qualification import exam_submit, practice_answer_submit
from raters.web.presentation import input_kind, item_display, label_options, value_from_post
from raters.web.views.common import project_for_page
from raters.web.views.projects import step_refusal


def _question(project: Project, item) -> dict:
    return {"id": item.pk, "display": item_display(item.payload), "field": f"item-{item.pk}"}


@login_required
@require_http_methods(["GET", "POST"])
def exam(request: HttpRequest, project_id: int) -> HttpResponse:
    project = project_for_page(request, project_id)
    step = rater_next_step(project=project, user=request.user)
    if step != "exam":
        if step in ("instructions", "label"):
            return redirect("raters:project_start", project.pk)
        return step_refusal(request, project=project, step=step)
    questions = [_question(project, item) for item in exam_items(project=project)]
    error, attempt, status_code = None, None, 200
    if request.method == "POST":
        answers = {q["id"]: value_from_post(project, request.POST, q["field"]) for q in questions}
        try:
            attempt = exam_submit(project=project, user=request.user, answers=answers)
        except ApplicationError as exc:
            error, status_code = exc.message, exc.status_code
        else:
            if attempt.passed:
                messages.success(request, f"You passed the exam with {attempt.score:.0%}.")
                return redirect("raters:project_start", project.pk)
    context = {
        "project": project,
        "questions": questions,
        "options": label_options(project),
        "input_kind": input_kind(project),
        "status": exam_status(project=project, user=request.user),
        "attempt": attempt,
        "error": error,
    }
    return render(request, "raters/exam.html", context, status=status_code)


@login_required
@require_http_methods(["GET", "POST"])
def instructions(request: HttpRequest, project_id: int) -> HttpResponse:
    project = project_for_page(request, project_id)
    step = rater_next_step(project=project, user=request.user)
    if step in ("not_a_member", "removed", "paused", "exam", "awaiting_approval"):
        return step_refusal(request, project=project, step=step)
    if request.method == "POST":
        instructions_acknowledge(project=project, user=request.user)
        messages.success(request, "Thanks. You can practise first, or start labeling.")
        if practice_next_item(project=project, user=request.user) is not None:
            return redirect("raters:practice", project.pk)
        return redirect("raters:label", project.pk)
    context = {
        "project": project,
        "version": instructions_current(project=project),
        "acknowledged": step == "label",
        "has_practice": practice_next_item(project=project, user=request.user) is not None,
    }
    return render(request, "raters/instructions.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def practice(request: HttpRequest, project_id: int) -> HttpResponse:
    project = project_for_page(request, project_id)
    step = rater_next_step(project=project, user=request.user)
    if step in ("not_a_member", "removed", "paused"):
        return step_refusal(request, project=project, step=step)
    context = {"project": project, "options": label_options(project), "input_kind": input_kind(project)}
    status_code = 200
    if request.method == "POST":
        try:
            item_id = int(request.POST.get("item_id", ""))
        except ValueError:
            item_id = 0
        try:
            answer = practice_answer_submit(
                project=project, user=request.user, item_id=item_id, value=value_from_post(project, request.POST)
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("raters:practice", project.pk)
        context.update(
            feedback={
                "correct": answer.is_correct,
                "yours": display_value(answer.value),
                "expected": display_value(answer.item.gold_value),
                "why": answer.item.gold_explanation,
            },
            display=item_display(answer.item.payload),
        )
        return render(request, "raters/practice.html", context)
    item = practice_next_item(project=project, user=request.user)
    if item is not None:
        context.update(item=item, display=item_display(item.payload))
    context["can_label"] = step == "label"
    return render(request, "raters/practice.html", context, status=status_code)

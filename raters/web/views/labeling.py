"""The labeling screen: lease the next task, submit a label, skip with a reason."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from config.exceptions import ApplicationError
from labeling.models import FlagReason, Project
from labeling.selectors.instructions import instructions_current
from labeling.selectors.skip_codes import skip_reasons_for
from raters.selectors.onboarding import rater_next_step
from raters.selectors.projects import rater_project_progress
from raters.web.forms import FlagForm, LabelMetaForm, SkipForm
from raters.web.presentation import input_kind, item_display, label_options, value_from_post
from raters.web.views.common import project_for_page, refusal
from raters.web.views.projects import step_refusal

_NOT_SAVED = "The instructions changed while you were labeling: your label was not saved. Read them, then label again."


def _refused(request: HttpRequest, project: Project) -> HttpResponse | None:
    step = rater_next_step(project=project, user=request.user)
    if step in ("not_a_member", "removed", "paused", "exam", "awaiting_approval"):
        return step_refusal(request, project=project, step=step)
    if step == "instructions":
        if request.method == "POST":
            messages.error(request, _NOT_SAVED)
        else:
            messages.info(request, "The instructions changed: please read and acknowledge them first.")
        return redirect("raters:instructions", project.pk)
    return None


@login_required
def label(request: HttpRequest, project_id: int) -> HttpResponse:
    from labeling.services.annotations import task_submit
    from labeling.services.next_task import task_next
    from labeling.services.suggestions import lease_suggestion

    project = project_for_page(request, project_id)
    refused = _refused(request, project)
    if refused is not None:
        return refused

    if request.method == "POST":
        value = value_from_post(project, request.POST)
        if value is None:
            messages.error(request, "Pick a label first (keys 1-9), then press Enter.")
            return redirect("raters:label", project.pk)
        meta = LabelMetaForm(request.POST)
        if not meta.is_valid():
            messages.error(request, "This task is no longer valid; here is your current one.")
            return redirect("raters:label", project.pk)
        try:
            task_submit(
                task_id=meta.cleaned_data["task_id"],
                rater=request.user,
                value=value,
                time_spent_ms=meta.cleaned_data["time_spent_ms"],
                instruction_version=meta.cleaned_data["instruction_version"],
                source="ui",
            )
        except ApplicationError as exc:
            if exc.extra.get("code") in ("instructions_changed", "instructions_not_acknowledged"):
                messages.error(request, _NOT_SAVED)
                return redirect("raters:instructions", project.pk)
            messages.error(request, exc.message)
        else:
            messages.success(request, "Saved.")
        return redirect("raters:label", project.pk)

    try:
        assignment = task_next(project=project, rater=request.user)
    except ApplicationError as exc:
        return refusal(
            request, project=project, code=exc.extra.get("code", "refused"), message=exc.message, status=exc.status_code
        )
    context = {
        "project": project,
        "instructions": instructions_current(project=project),
        "progress": rater_project_progress(project=project, user=request.user),
        "options": label_options(project),
        "input_kind": input_kind(project),
        "assignment": assignment,
        "skip_reasons": skip_reasons_for(project=project),
        "flag_reasons": FlagReason.choices,
    }
    if assignment is not None:
        context["display"] = item_display(assignment.item.payload)
        context["suggestion"] = lease_suggestion(assignment=assignment)
    return render(request, "raters/label.html", context)


@login_required
@require_POST
def skip(request: HttpRequest, project_id: int) -> HttpResponse:
    from labeling.services.annotations import task_skip

    project = project_for_page(request, project_id)
    refused = _refused(request, project)
    if refused is not None:
        return refused
    form = SkipForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say briefly why you skip this item.")
        return redirect("raters:label", project.pk)
    try:
        task_skip(
            task_id=form.cleaned_data["task_id"],
            rater=request.user,
            reason=form.cleaned_data["reason"],
            code=form.cleaned_data["code"] or None,
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.info(request, "Skipped.")
    return redirect("raters:label", project.pk)


@login_required
@require_POST
def flag(request: HttpRequest, project_id: int) -> HttpResponse:
    """Flag the item on screen to staff; the label form stays where it was (same task)."""
    from labeling.services.flags import item_flag_create

    project = project_for_page(request, project_id)
    form = FlagForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Pick what is wrong with the item.")
        return redirect("raters:label", project.pk)
    try:
        item_flag_create(
            task_id=form.cleaned_data["task_id"],
            rater=request.user,
            reason=form.cleaned_data["reason"],
            text=form.cleaned_data["text"],
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.info(request, "Flag sent. Staff will look at it; replies show on your stats page.")
    return redirect("raters:label", project.pk)

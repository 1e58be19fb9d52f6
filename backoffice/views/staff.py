"""Staff actions on raters: pending applications, reinstating a paused rater. Each calls one raters service."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from backoffice.access import staff_required
from backoffice.forms import NoteForm
from backoffice.services import dashboard_recompute
from config.exceptions import ApplicationError
from labeling.models import Project
from raters.models import ApplicationStatus, RaterApplication
from raters.services.quality import rater_reinstate
from raters.services.recruitment import application_approve, application_reject


@staff_required
def applications(request: HttpRequest) -> HttpResponse:
    pending = (
        RaterApplication.objects.filter(status=ApplicationStatus.PENDING)
        .select_related("campaign__project", "user__rater_profile")
        .order_by("created_at")
    )
    context = {"active": "applications", "project": None, "applications": pending}
    return render(request, "dashboard/applications.html", context)


@staff_required
@require_POST
def application_decide(request: HttpRequest, application_id: int, decision: str) -> HttpResponse:
    if decision not in ("approve", "reject"):
        raise Http404("Unknown decision.")
    form = NoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    service = application_approve if decision == "approve" else application_reject
    try:
        service(application_id=application_id, actor=request.user, note=note)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Approved." if decision == "approve" else "Rejected.")
    return redirect("dashboard:applications")


@staff_required
@require_POST
def reinstate(request: HttpRequest, project_id: int, rater_id: int) -> HttpResponse:
    project = get_object_or_404(Project, pk=project_id)
    user = get_object_or_404(get_user_model(), pk=rater_id)
    form = NoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        rater_reinstate(project=project, user=user, actor=request.user, note=note)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        # The raters figures hold each rater's status: refresh them (inline when cheap, else queued).
        dashboard_recompute(section="raters", project=project)
        messages.success(request, f"{user.get_username()} is reinstated.")
    return redirect("dashboard:raters", project.pk)

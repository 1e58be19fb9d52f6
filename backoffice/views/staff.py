"""Staff pages: applicants, rater quality (with reinstatement), budget, and the diversity report."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from config.exceptions import ApplicationError
from labeling.models import Project
from raters.models import ApplicationStatus, RaterApplication
from raters.selectors.budget import project_budget_report
from raters.selectors.diversity import DEFAULT_K, pool_diversity_report
from raters.selectors.quality import project_rater_quality
from raters.services.quality import rater_reinstate
from raters.services.recruitment import application_approve, application_reject
from raters.web.forms import DecisionForm
from raters.web.views.common import staff_required


@staff_required
def applications(request: HttpRequest) -> HttpResponse:
    pending = (
        RaterApplication.objects.filter(status=ApplicationStatus.PENDING)
        .select_related("campaign__project", "user__rater_profile")
        .order_by("created_at")
    )
    projects = Project.objects.order_by("name").only("id", "name", "is_active")
    return render(request, "raters/staff/applications.html", {"applications": pending, "projects": projects})


@staff_required
@require_POST
def application_decide(request: HttpRequest, application_id: int, decision: str) -> HttpResponse:
    if decision not in ("approve", "reject"):
        raise Http404("Unknown decision.")
    form = DecisionForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    service = application_approve if decision == "approve" else application_reject
    try:
        service(application_id=application_id, actor=request.user, note=note)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Approved." if decision == "approve" else "Rejected.")
    return redirect("raters:staff_applications")


@staff_required
def project_quality(request: HttpRequest, project_id: int) -> HttpResponse:
    project = get_object_or_404(Project, pk=project_id)
    context = {
        "project": project,
        "rows": project_rater_quality(project=project),
        "budget": project_budget_report(project=project),
    }
    return render(request, "raters/staff/quality.html", context)


@staff_required
@require_POST
def reinstate(request: HttpRequest, project_id: int, user_id: int) -> HttpResponse:
    project = get_object_or_404(Project, pk=project_id)
    user = get_object_or_404(get_user_model(), pk=user_id)
    try:
        rater_reinstate(project=project, user=user, actor=request.user, note=request.POST.get("note", ""))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{user.get_username()} is reinstated.")
    return redirect("raters:staff_quality", project.pk)


@staff_required
def diversity(request: HttpRequest, project_id: int) -> HttpResponse:
    project = get_object_or_404(Project, pk=project_id)
    try:
        k = max(2, int(request.GET.get("k", DEFAULT_K)))
    except ValueError:
        k = DEFAULT_K
    report = pool_diversity_report(project=project, k=k)
    return render(request, "raters/staff/diversity.html", {"project": project, "report": report})

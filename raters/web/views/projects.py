"""My projects, and the redirect to whatever a rater must do next on a project."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from labeling.models import Project
from raters.selectors.onboarding import rater_next_step
from raters.selectors.projects import rater_projects
from raters.web.views.common import project_for_page, refusal

STEP_VIEWS = {"exam": "raters:exam", "instructions": "raters:instructions", "label": "raters:label"}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "raters/home.html", {"rows": rater_projects(user=request.user)})


@login_required
def project_start(request: HttpRequest, project_id: int) -> HttpResponse:
    project = project_for_page(request, project_id)
    step = rater_next_step(project=project, user=request.user)
    if step in STEP_VIEWS:
        return redirect(STEP_VIEWS[step], project.pk)
    return step_refusal(request, project=project, step=step)


def step_refusal(request: HttpRequest, *, project: Project, step: str) -> HttpResponse:
    """The refusal page for a rater who cannot work on the project right now, with the reason."""
    from labeling.models import ProjectMembership

    if step in ("not_a_member", "removed"):
        return refusal(request, project=project, code="not_a_member", message="You are not a member of this project.")
    if step == "paused":
        membership = ProjectMembership.objects.get(project=project, user=request.user)
        return refusal(
            request,
            project=project,
            code="paused",
            message=f"Your account is paused on this project: {membership.pause_reason}",
        )
    if step == "awaiting_approval":
        return refusal(
            request,
            project=project,
            code="not_qualified",
            message="You have not qualified for this project yet: staff are reviewing your application.",
        )
    if step == "exam":
        return refusal(
            request,
            project=project,
            code="not_qualified",
            message="You have not qualified for this project yet. Pass the qualification exam first.",
            next_step="exam",
        )
    return refusal(request, project=project, code=step, message="You cannot work on this project right now.")

"""Dashboard views: staff only, each calls one page selector and renders its template."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from backoffice.access import staff_required
from backoffice.forms import AdjudicateForm, RecomputeForm
from backoffice.selectors.cost import cost_page
from backoffice.selectors.datasets import datasets_page
from backoffice.selectors.diversity import diversity_page
from backoffice.selectors.health import health_page
from backoffice.selectors.index import project_list
from backoffice.selectors.quality import quality_page
from backoffice.selectors.raters import rater_detail_page, raters_page
from backoffice.services import dashboard_adjudicate, dashboard_recompute
from config.exceptions import ApplicationError
from labeling.models import Project


def _project(project_id: int) -> Project:
    return get_object_or_404(Project, pk=project_id)


def _page(request: HttpRequest, template: str, active: str, project: Project | None = None, **context) -> HttpResponse:
    return render(request, f"dashboard/{template}", {"active": active, "project": project, **context})


@staff_required
def index(request: HttpRequest) -> HttpResponse:
    return _page(request, "index.html", "index", rows=project_list())


@staff_required
def quality(request: HttpRequest, project_id: int) -> HttpResponse:
    project = _project(project_id)
    return _page(request, "quality.html", "quality", project, page=quality_page(project=project))


@staff_required
def raters(request: HttpRequest, project_id: int) -> HttpResponse:
    project = _project(project_id)
    sort = request.GET.get("sort", "annotations")
    descending = request.GET.get("dir", "desc") != "asc"
    try:
        page_number = int(request.GET.get("page", "1"))
    except ValueError:
        page_number = 1
    page = raters_page(project=project, sort=sort, descending=descending, page=page_number)
    return _page(request, "raters.html", "raters", project, page=page)


@staff_required
def rater_detail(request: HttpRequest, project_id: int, rater_id: int) -> HttpResponse:
    project = _project(project_id)
    page = rater_detail_page(project=project, rater_id=rater_id)
    if page is None:
        raise Http404("No labels from this rater on this project.")
    return _page(request, "rater_detail.html", "raters", project, page=page)


@staff_required
def cost(request: HttpRequest, project_id: int) -> HttpResponse:
    project = _project(project_id)
    return _page(request, "cost.html", "cost", project, page=cost_page(project=project))


@staff_required
def diversity(request: HttpRequest, project_id: int) -> HttpResponse:
    project = _project(project_id)
    try:
        page = diversity_page(project=project, k=request.GET.get("k"))
    except ApplicationError as exc:  # k below the privacy floor, or not a number
        code = exc.extra.get("code", "refused")
        response = render(request, "dashboard/refused.html", {"message": exc.message, "code": code}, status=400)
        response["X-Refusal-Code"] = code
        return response
    return _page(request, "diversity.html", "diversity", project, page=page)


@staff_required
def health(request: HttpRequest) -> HttpResponse:
    return _page(request, "health.html", "health", page=health_page())


@staff_required
def datasets(request: HttpRequest) -> HttpResponse:
    return _page(request, "datasets.html", "datasets", page=datasets_page())


def _back(request: HttpRequest, target: str | None, fallback: str) -> HttpResponse:
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(fallback)


@staff_required
@require_POST
def recompute(request: HttpRequest) -> HttpResponse:
    form = RecomputeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Invalid recompute request.")
        return redirect("dashboard:index")
    project_id = form.cleaned_data["project"]
    project = _project(project_id) if project_id else None
    try:
        outcome = dashboard_recompute(section=form.cleaned_data["section"], project=project)
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, outcome)
    return _back(request, form.cleaned_data["next"], reverse("dashboard:index"))


@staff_required
@require_POST
def adjudicate(request: HttpRequest, project_id: int, resolution_id: int) -> HttpResponse:
    project = _project(project_id)
    target = reverse("dashboard:quality", args=[project.pk]) + "#queue"
    form = AdjudicateForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Pick a label and write a rationale.")
        return redirect(target)
    try:
        decided = dashboard_adjudicate(
            project=project,
            resolution_id=resolution_id,
            label=form.cleaned_data["label"],
            rationale=form.cleaned_data["rationale"],
            user=request.user,
        )
    except ApplicationError as exc:
        detail = "; ".join(str(v) for v in exc.extra.get("fields", {}).values())
        messages.error(request, f"{exc.message} {detail}".strip())
    else:
        messages.success(request, f"Item {decided.item} decided: {decided.label}.")
    return redirect(target)

"""The pay page: effective pay per hour against the floor, and the pay periods with close and export.

Each action calls one raters service; a refusal (an open period, top-ups past the budget) is shown with
its code and stores nothing.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from backoffice.access import staff_required
from backoffice.selectors.pay import pay_page
from config.exceptions import ApplicationError
from labeling.models import Project
from labeling.selectors.projects import user_can_manage
from raters.models import PayPeriod
from raters.selectors.payouts import FORMATS, amount_text
from raters.services.pay import pay_period_close, pay_period_open, pay_policy_set
from raters.services.payouts import payout_export


class PeriodForm(forms.Form):
    starts_at = forms.DateTimeField()
    ends_at = forms.DateTimeField()


class FloorForm(forms.Form):
    hourly_floor = forms.DecimalField(min_value=0, max_value=1000, decimal_places=2, required=False)


def _refused(request: HttpRequest, exc: ApplicationError) -> None:
    messages.error(request, f"{exc.message} ({exc.extra.get('code', 'refused')})")


def _managed(request: HttpRequest, project_id: int) -> Project | None:
    project = get_object_or_404(Project, pk=project_id)
    return project if user_can_manage(project=project, user=request.user) else None


@staff_required
def pay(request: HttpRequest, project_id: int) -> HttpResponse:
    project = get_object_or_404(Project, pk=project_id)
    context = {"active": "pay", "project": project, "page": pay_page(project=project), "formats": sorted(FORMATS)}
    return render(request, "dashboard/pay.html", context)


@staff_required
@require_POST
def floor_set(request: HttpRequest, project_id: int) -> HttpResponse:
    project = _managed(request, project_id)
    form = FloorForm(request.POST)
    if project is None or not form.is_valid():
        messages.error(request, "The floor is an amount per hour from 0 to 1000 (empty or 0 for none).")
        return redirect("dashboard:pay", project_id)
    amount = form.cleaned_data["hourly_floor"]
    cents = int(amount * 100) if amount else None
    try:
        pay_policy_set(project=project, hourly_floor_cents=cents)
    except ApplicationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, "Floor removed." if cents is None else f"Floor set to {amount_text(cents)} per hour.")
    return redirect("dashboard:pay", project_id)


@staff_required
@require_POST
def period_new(request: HttpRequest, project_id: int) -> HttpResponse:
    project = _managed(request, project_id)
    form = PeriodForm(request.POST)
    if project is None or not form.is_valid():
        messages.error(request, "A period needs a start and an end (YYYY-MM-DD HH:MM, UTC).")
        return redirect("dashboard:pay", project_id)
    try:
        pay_period_open(project=project, **form.cleaned_data)
    except ApplicationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, "Pay period opened.")
    return redirect("dashboard:pay", project_id)


@staff_required
@require_POST
def period_close(request: HttpRequest, project_id: int, period_id: int) -> HttpResponse:
    period = get_object_or_404(PayPeriod, pk=period_id, project_id=project_id)
    if _managed(request, project_id) is None:
        messages.error(request, "Only a manager of this project closes its pay periods.")
        return redirect("dashboard:pay", project_id)
    try:
        result = pay_period_close(period_id=period.pk, actor=request.user)
    except ApplicationError as exc:
        _refused(request, exc)
    else:
        if result.already_closed:
            messages.info(request, "That period was already closed; nothing changed.")
        else:
            messages.success(
                request,
                f"Closed: {result.statements} statements, {amount_text(result.top_up_cents)} "
                f"{result.period.currency} in floor top-ups.",
            )
    return redirect("dashboard:pay", project_id)


@staff_required
@require_POST
def period_export(request: HttpRequest, project_id: int, period_id: int, file_format: str) -> HttpResponse:
    period = get_object_or_404(PayPeriod, pk=period_id, project_id=project_id)
    if _managed(request, project_id) is None:
        messages.error(request, "Only a manager of this project exports its payouts.")
        return redirect("dashboard:pay", project_id)
    try:
        file = payout_export(
            period_id=period.pk, file_format=file_format, actor=request.user, again=request.POST.get("again") == "1"
        )
    except ApplicationError as exc:
        _refused(request, exc)
        return redirect("dashboard:pay", project_id)
    response = HttpResponse(file.content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{file.filename}"'
    return response

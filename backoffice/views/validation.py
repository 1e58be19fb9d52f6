"""The data validation page: reference vs serving per feature, and the anomaly list with its state actions."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from backoffice.access import staff_required
from backoffice.selectors.validation import validation_page
from config.exceptions import ApplicationError
from datasets.selectors.validation import anomaly_get
from datasets.services.anomalies import anomaly_state_set

HOURS = (1, 6, 24, 72, 168)


@staff_required
def validation(request: HttpRequest, model: str | None = None) -> HttpResponse:
    try:
        hours = int(request.GET.get("hours", "24"))
    except ValueError:
        hours = 24
    hours = hours if hours in HOURS else 24
    page = validation_page(model=model, hours=hours)
    context = {"active": "validation", "project": None, "page": page, "hour_choices": HOURS}
    return render(request, "dashboard/validation.html", context)


@staff_required
@require_POST
def anomaly_state(request: HttpRequest, anomaly_id: int) -> HttpResponse:
    try:
        anomaly = anomaly_state_set(
            anomaly=anomaly_get(anomaly_id=anomaly_id), state=request.POST.get("state", ""), user=request.user
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("dashboard:validation")
    messages.success(request, f"Anomaly {anomaly.kind} on {anomaly.feature} is now {anomaly.state}.")
    return redirect("dashboard:validation_model", model=anomaly.model)

"""Pay per hour, pay periods, payout statements and exports. Staff or a project manager; raters see their own."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.exceptions import ForbiddenError
from labeling.models import Project
from labeling.selectors.projects import user_can_manage
from raters.models import PayPeriod, PeriodState, Platform
from raters.models.pay import CURRENCIES
from raters.selectors.pay import my_pay, pay_policy_for, project_pay
from raters.selectors.payouts import FORMATS, amount_text, period_statements, rater_statements
from raters.services.pay import MAX_FLOOR_CENTS, pay_period_close, pay_period_open, pay_policy_set, payout_account_set
from raters.services.payouts import payout_export


def _managed_project(request: Request, project_id: int) -> Project:
    project = get_object_or_404(Project, pk=project_id)
    if not user_can_manage(project=project, user=request.user):
        raise ForbiddenError("Only staff or a manager of this project may do this.", extra={"code": "not_manager"})
    return project


def _managed_period(request: Request, period_id: int) -> PayPeriod:
    period = get_object_or_404(PayPeriod.objects.select_related("project"), pk=period_id)
    _managed_project(request, period.project_id)
    return period


def _money(value) -> str | None:
    return None if value is None else f"{value:.2f}"


def _period_out(period: PayPeriod) -> dict:
    return {
        "id": period.pk,
        "project_id": period.project_id,
        "starts_at": period.starts_at,
        "ends_at": period.ends_at,
        "state": period.state,
        "currency": period.currency or None,
        "hourly_floor_cents": period.hourly_floor_cents,
        "closed_at": period.closed_at,
        "exported_at": period.exported_at,
        "export_format": period.export_format or None,
    }


def _statement_out(statement, *, with_project: bool = False) -> dict:
    out = {
        "id": statement.pk,
        "period_id": statement.period_id,
        "user_id": statement.user_id,
        "currency": statement.currency,
        "total_cents": statement.total_cents,
        "total": amount_text(statement.total_cents),
        "earned_cents": statement.earned_cents,
        "topup_cents": statement.topup_cents,
        "worked_ms": statement.worked_ms,
        "tasks": statement.tasks,
        "entry_count": statement.entry_count,
        "created_at": statement.created_at,
    }
    if with_project:
        out["project_id"] = statement.period.project_id
        out["period_ends_at"] = statement.period.ends_at
    return out


class PeriodOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    project_id = serializers.IntegerField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    state = serializers.ChoiceField(choices=PeriodState.choices)
    currency = serializers.CharField(allow_null=True)
    hourly_floor_cents = serializers.IntegerField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    exported_at = serializers.DateTimeField(allow_null=True)
    export_format = serializers.CharField(allow_null=True)


class CloseOutSerializer(PeriodOutSerializer):
    already_closed = serializers.BooleanField()
    statements = serializers.IntegerField()
    top_up_cents = serializers.IntegerField()


class StatementOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    period_id = serializers.IntegerField()
    user_id = serializers.IntegerField()
    currency = serializers.CharField()
    total_cents = serializers.IntegerField()
    total = serializers.CharField(help_text="The total in currency units, two decimals")
    earned_cents = serializers.IntegerField()
    topup_cents = serializers.IntegerField()
    worked_ms = serializers.IntegerField()
    tasks = serializers.IntegerField()
    entry_count = serializers.IntegerField()
    created_at = serializers.DateTimeField()


class PolicySerializer(serializers.Serializer):
    currency = serializers.ChoiceField(choices=CURRENCIES, required=False)
    hourly_floor_cents = serializers.IntegerField(
        min_value=1, max_value=MAX_FLOOR_CENTS, required=False, allow_null=True
    )


class ProjectPayApi(APIView):
    """Effective pay per hour per rater (server-measured time), the project's median and spread, the floor."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, project_id: int) -> Response:
        project = _managed_project(request, project_id)
        pay = project_pay(project=project)
        return Response(
            {
                "currency": pay.currency,
                "hourly_floor": _money(pay.floor),
                "median_hourly": _money(pay.median_hourly),
                "p10_hourly": _money(pay.p10_hourly),
                "p90_hourly": _money(pay.p90_hourly),
                "project_hourly": _money(pay.project_hourly),
                "raters_below_floor": pay.below_floor,
                "raters": [
                    {
                        "user_id": r.user_id,
                        "name": r.name,
                        "tasks": r.tasks,
                        "worked_ms": r.worked_ms,
                        "median_task_ms": r.median_task_ms,
                        "paid_cents": r.paid_cents,
                        "hourly": _money(r.hourly),
                    }
                    for r in pay.raters
                ],
            }
        )


class PayPolicyApi(APIView):
    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, project_id: int) -> Response:
        policy = pay_policy_for(project=_managed_project(request, project_id))
        return Response({"currency": policy.currency, "hourly_floor_cents": policy.hourly_floor_cents})

    @extend_schema(request=PolicySerializer, responses=OpenApiTypes.OBJECT)
    def put(self, request: Request, project_id: int) -> Response:
        project = _managed_project(request, project_id)
        data = PolicySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        options = dict(data.validated_data)
        policy = pay_policy_set(project=project, **options)
        return Response({"currency": policy.currency, "hourly_floor_cents": policy.hourly_floor_cents})


class PeriodInputSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()


class PayPeriodListApi(APIView):
    @extend_schema(responses={200: PeriodOutSerializer(many=True)})
    def get(self, request: Request, project_id: int) -> Response:
        project = _managed_project(request, project_id)
        return Response([_period_out(p) for p in project.pay_periods.order_by("-starts_at")])

    @extend_schema(request=PeriodInputSerializer, responses={201: PeriodOutSerializer})
    def post(self, request: Request, project_id: int) -> Response:
        project = _managed_project(request, project_id)
        data = PeriodInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        period = pay_period_open(project=project, **data.validated_data)
        return Response(_period_out(period), status=status.HTTP_201_CREATED)


class PayPeriodCloseApi(APIView):
    """Close into statements, topping up to the floor inside the budget (409 `top_ups_exceed_budget`). Idempotent."""

    @extend_schema(request=None, responses={200: CloseOutSerializer})
    def post(self, request: Request, period_id: int) -> Response:
        period = _managed_period(request, period_id)
        result = pay_period_close(period_id=period.pk, actor=request.user)
        body = {
            **_period_out(result.period),
            "already_closed": result.already_closed,
            "statements": result.statements,
            "top_up_cents": result.top_up_cents,
        }
        return Response(body)


class StatementListApi(APIView):
    @extend_schema(responses={200: StatementOutSerializer(many=True)})
    def get(self, request: Request, period_id: int) -> Response:
        period = _managed_period(request, period_id)
        return Response([_statement_out(s) for s in period_statements(period=period)])


class ExportInputSerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=sorted(FORMATS))
    again = serializers.BooleanField(required=False, default=False)


class PayoutExportApi(APIView):
    """The bulk-bonus CSV. An open period is 409 `period_open`; a second export needs `again` (same file)."""

    @extend_schema(request=ExportInputSerializer, responses={(200, "text/csv"): OpenApiTypes.STR})
    def post(self, request: Request, period_id: int) -> HttpResponse:
        period = _managed_period(request, period_id)
        data = ExportInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        file = payout_export(
            period_id=period.pk,
            file_format=data.validated_data["format"],
            actor=request.user,
            again=data.validated_data["again"],
        )
        response = HttpResponse(file.content, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{file.filename}"'
        response["X-Payout-Total"] = f"{amount_text(file.total_cents)} {file.currency}"
        return response


class AccountInputSerializer(serializers.Serializer):
    user = serializers.IntegerField(min_value=1)
    platform = serializers.ChoiceField(choices=Platform.values)
    participant_id = serializers.CharField(max_length=64)
    assignment_id = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")


class PayoutAccountApi(APIView):
    """Staff record a rater's Prolific participant id or MTurk worker + assignment ids (from the recruitment)."""

    @extend_schema(request=AccountInputSerializer, responses=OpenApiTypes.OBJECT)
    def put(self, request: Request, project_id: int) -> Response:
        project = _managed_project(request, project_id)
        data = AccountInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        options = dict(data.validated_data)
        user = get_object_or_404(get_user_model(), pk=options.pop("user"))
        account = payout_account_set(project=project, user=user, actor=request.user, **options)
        return Response(
            {
                "user_id": account.user_id,
                "platform": account.platform,
                "participant_id": account.participant_id,
                "assignment_id": account.assignment_id or None,
            }
        )


class MyPayApi(APIView):
    """My own effective pay per hour per project, and my payout statements."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        rows = my_pay(user=request.user)
        return Response(
            {
                "projects": [
                    {
                        "project_id": r["project"].pk,
                        "currency": r["currency"],
                        "hourly_floor": _money(r["floor"]),
                        "tasks": r["tasks"],
                        "worked_ms": r["worked_ms"],
                        "paid_cents": r["paid_cents"],
                        "hourly": _money(r["hourly"]),
                    }
                    for r in rows
                ],
                "statements": [_statement_out(s, with_project=True) for s in rater_statements(user=request.user)],
            }
        )


class MyStatementApi(APIView):
    """One of my statements with its ledger entries; another rater's is 404 (its existence is not revealed)."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, statement_id: int) -> Response:
        statement = get_object_or_404(rater_statements(user=request.user), pk=statement_id)
        lines = statement.lines.select_related("entry").order_by("entry_id")
        return Response(
            {
                **_statement_out(statement, with_project=True),
                "entries": [
                    {
                        "id": line.entry.pk,
                        "kind": line.entry.kind,
                        "amount_cents": line.entry.amount_cents,
                        "created_at": line.entry.created_at,
                        "note": line.entry.note,
                    }
                    for line in lines
                ],
            }
        )

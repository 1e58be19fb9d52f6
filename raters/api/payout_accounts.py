"""A rater's own payout accounts: where they are paid on each project (their Prolific or MTurk ids).

The rater is always request.user: there is no user field to point at anyone else, and a project the rater
never worked on is 404. Rules (formats, ids claimed by another rater, accounts frozen by an export) are in
payout_account_set.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from raters.models import PayoutAccount, Platform
from raters.selectors.payouts import (
    payout_account_exported,
    payout_account_history,
    rater_payable_project,
    rater_payout_account,
    rater_payout_accounts,
)
from raters.services.pay import payout_account_set


def _account_out(account: PayoutAccount, *, locked: bool) -> dict:
    return {
        "project_id": account.project_id,
        "platform": account.platform,
        "participant_id": account.participant_id,
        "assignment_id": account.assignment_id or None,
        "locked": locked,
        "updated_at": account.updated_at,
    }


class PayoutAccountOutSerializer(serializers.Serializer):
    project_id = serializers.IntegerField()
    platform = serializers.ChoiceField(choices=Platform.values)
    participant_id = serializers.CharField()
    assignment_id = serializers.CharField(allow_null=True)
    locked = serializers.BooleanField(help_text="A payout to this account was exported: it can no longer change")
    updated_at = serializers.DateTimeField()


class MyAccountInputSerializer(serializers.Serializer):
    platform = serializers.ChoiceField(choices=Platform.values)
    participant_id = serializers.CharField(max_length=64, trim_whitespace=True)
    assignment_id = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")


class MyPayoutAccountListApi(APIView):
    """My payout accounts, one per project; `locked` once a payout through it was exported."""

    @extend_schema(responses={200: PayoutAccountOutSerializer(many=True)})
    def get(self, request: Request) -> Response:
        rows = rater_payout_accounts(user=request.user)
        return Response([_account_out(r["account"], locked=r["locked"]) for r in rows])


class MyPayoutAccountApi(APIView):
    """Set my own Prolific participant id or MTurk worker (+ assignment) id for a project I work on.

    400 `invalid_platform_id` on a bad format, 409 `platform_id_taken` when another rater holds the id (whose
    is never said), 409 `payout_account_locked` once a payout to the account was exported.
    """

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, project_id: int) -> Response:
        project = rater_payable_project(user=request.user, project_id=project_id)
        account = rater_payout_account(user=request.user, project=project)
        history = [
            {
                "changed_at": c.changed_at,
                "source": c.source,
                "old": {"platform": c.old_platform or None, "participant_id": c.old_participant_id or None},
                "new": {"platform": c.new_platform, "participant_id": c.new_participant_id},
            }
            for c in payout_account_history(user=request.user, project_id=project.pk)[:50]
        ]
        return Response(
            {
                "account": None
                if account is None
                else _account_out(account, locked=payout_account_exported(account=account)),
                "history": history,
            }
        )

    @extend_schema(request=MyAccountInputSerializer, responses={200: PayoutAccountOutSerializer})
    def put(self, request: Request, project_id: int) -> Response:
        project = rater_payable_project(user=request.user, project_id=project_id)
        data = MyAccountInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        account = payout_account_set(project=project, user=request.user, actor=request.user, **data.validated_data)
        return Response(_account_out(account, locked=payout_account_exported(account=account)))

"""Projects, their label schema, and membership.

The only write path for Project rows, and for creating, re-activating, re-roling and removing a
ProjectMembership (where bans and role rules are checked). Three columns of a membership have their own
owners: pause and reinstatement (`raters.services.quality`), qualification (`raters.services.qualification`,
and the join in `raters.services.recruitment`) and the rater's queue position (`labeling.services.assignment`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.db import transaction

from config.exceptions import ApplicationError, ForbiddenError, NotFoundError
from labeling.models import (
    LabelType,
    MeasurementLevel,
    MembershipStatus,
    OverlapPolicy,
    Project,
    ProjectMembership,
    ReviewMode,
    Role,
)
from raters.selectors.budget import project_budget_snapshot
from raters.services.budget import budget_lock

SKIP_CODE = re.compile(r"[a-z][a-z0-9_]{0,31}")
CATEGORICAL_TYPES = {LabelType.SINGLE, LabelType.MULTI, LabelType.ORDINAL}
NUMERIC_TYPES = {LabelType.INTERVAL, LabelType.RATIO}

# Fields a caller may set besides name/label_type/categories. Everything else is managed by the system.
EDITABLE_FIELDS = {
    "description",
    "min_value",
    "max_value",
    "measurement_level_override",
    "overlap",
    "overlap_policy",
    "overlap_min",
    "overlap_max",
    "overlap_target",
    "lease_seconds",
    "gold_ratio",
    "aggregation_method",
    "confidence_threshold",
    "requires_exam",
    "exam_pass_mark",
    "exam_cooldown_minutes",
    "pause_min_gold",
    "pause_gold_accuracy_below",
    "fast_answer_seconds",
    "pause_fast_share_above",
    "pause_min_answers",
    "pay_per_annotation_cents",
    "gold_bonus_cents",
    "gold_bonus_threshold",
    "budget_cents",
    "review_mode",
    "review_share",
    "review_reveal_identity",
    "pause_reject_share_above",
    "skip_reasons",
    "flag_unclear_threshold",
    "is_active",
}


# Changing any of these may leave open leases and unsettled bonuses costing more than the budget.
MONEY_FIELDS = {"budget_cents", "pay_per_annotation_cents", "gold_bonus_cents"}


def _schema_validate(project: Project) -> None:
    """Reject label schemas that no rater could answer; raised before anything is written."""
    errors: dict[str, str] = {}
    label_type = project.label_type
    if label_type not in LabelType.values:
        errors["label_type"] = f"Unknown label type {label_type!r}."
    categories = project.categories
    if not isinstance(categories, list):
        errors["categories"] = "Categories must be a list."
    elif label_type in CATEGORICAL_TYPES:
        if len(categories) < 2:
            errors["categories"] = "A choice or ordinal project needs at least two categories."
        elif any(not isinstance(c, str | int) or isinstance(c, bool) for c in categories):
            errors["categories"] = "Categories must be strings or integers."
        elif len({repr(c) for c in categories}) != len(categories):
            errors["categories"] = "Categories must be distinct."
    elif label_type in NUMERIC_TYPES and categories:
        errors["categories"] = "Numeric projects take min_value/max_value, not categories."
    if project.min_value is not None and project.max_value is not None and project.min_value > project.max_value:
        errors["max_value"] = "max_value must be at least min_value."
    if label_type == LabelType.RATIO and project.min_value is not None and project.min_value < 0:
        errors["min_value"] = "A ratio scale starts at zero; min_value cannot be negative."
    if project.measurement_level_override and project.measurement_level_override not in MeasurementLevel.values:
        errors["measurement_level_override"] = "Unknown measurement level."
    if not 0 <= float(project.gold_ratio) <= 1:
        errors["gold_ratio"] = "gold_ratio must be between 0 and 1."
    if project.overlap < 1:
        errors["overlap"] = "overlap must be at least 1."
    errors.update(_overlap_errors(project))
    if project.lease_seconds < 10:
        errors["lease_seconds"] = "lease_seconds must be at least 10."
    errors.update(review_options_errors(project))
    if errors:
        raise ApplicationError("Invalid project settings.", extra={"code": "invalid_project", "fields": errors})


ADAPTIVE_LABEL_TYPES = {LabelType.SINGLE, LabelType.ORDINAL}
MAX_RATERS_LIMIT = 100


def _overlap_errors(project: Project) -> dict[str, str]:
    """The adaptive-overlap settings' rules (mirrored by the project table's CHECK constraints)."""
    errors: dict[str, str] = {}
    if project.overlap_policy not in OverlapPolicy.values:
        errors["overlap_policy"] = "overlap_policy must be fixed or adaptive."
    if project.overlap_min < 1:
        errors["overlap_min"] = "overlap_min must be at least 1."
    if project.overlap_max < project.overlap_min:
        errors["overlap_max"] = "overlap_max must be at least overlap_min."
    elif project.overlap_max > MAX_RATERS_LIMIT:
        errors["overlap_max"] = f"overlap_max must be at most {MAX_RATERS_LIMIT}."
    if not 0.5 < float(project.overlap_target) < 1:
        errors["overlap_target"] = "overlap_target must be above 0.5 and below 1."
    if project.overlap_policy == OverlapPolicy.ADAPTIVE and project.label_type not in ADAPTIVE_LABEL_TYPES:
        errors["overlap_policy"] = "Adaptive overlap needs a single-choice or ordinal label."
    return errors


def review_options_errors(project: Project) -> dict[str, str]:
    """The review pass and skip-code settings (docs/adr/0024-review-pass-and-rework.md)."""
    errors: dict[str, str] = {}
    if project.review_mode not in ReviewMode.values:
        errors["review_mode"] = "review_mode must be off, sample or all."
    if not isinstance(project.review_share, int | float) or not 0 <= float(project.review_share) <= 1:
        errors["review_share"] = "review_share must be between 0 and 1."
    share = project.pause_reject_share_above
    if share is not None and (not isinstance(share, int | float) or not 0 <= float(share) <= 1):
        errors["pause_reject_share_above"] = "pause_reject_share_above must be between 0 and 1."
    reasons = project.skip_reasons
    if not isinstance(reasons, list) or len(reasons) > 20:
        errors["skip_reasons"] = "A list of at most 20 {code, label} entries."
    else:
        codes = [r.get("code") if isinstance(r, dict) else None for r in reasons]
        if any(
            not isinstance(r, dict)
            or set(r) != {"code", "label"}
            or not isinstance(r["code"], str)
            or not SKIP_CODE.fullmatch(r["code"])
            or not isinstance(r["label"], str)
            or not 0 < len(r["label"].strip()) <= 200
            for r in reasons
        ):
            errors["skip_reasons"] = "Each entry is {code: lowercase letters, digits, _ (at most 32), label: text}."
        elif len(set(codes)) != len(codes) or "other" in codes:
            errors["skip_reasons"] = 'Codes must be distinct; "other" is always offered and cannot be listed.'
    return errors


def _check_options(options: dict[str, Any]) -> None:
    unknown = sorted(set(options) - EDITABLE_FIELDS)
    if unknown:
        raise ApplicationError(
            "Unknown project settings.", extra={"code": "invalid_project", "fields": {k: "Unknown." for k in unknown}}
        )


@transaction.atomic
def project_create(
    *, name: str, label_type: str, categories: Iterable[Any] = (), created_by=None, **options: Any
) -> Project:
    _check_options(options)
    if Project.objects.filter(name=name).exists():
        raise ApplicationError(
            "A project with this name exists.", extra={"code": "duplicate_name", "fields": {"name": "Taken."}}
        )
    project = Project(name=name, label_type=label_type, categories=list(categories), created_by=created_by, **options)
    _schema_validate(project)
    project.full_clean(validate_unique=False, validate_constraints=False)
    project.save()
    return project


@transaction.atomic
def project_update(*, project: Project, **fields: Any) -> Project:
    """Change settings. The label type and categories stay fixed once items exist (old labels would break)."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    schema_fields = {"label_type", "categories", "min_value", "max_value"}
    _check_options({k: v for k, v in fields.items() if k not in schema_fields | {"name"}})
    if schema_fields & set(fields) and project.annotations.exists():
        changed = [k for k in schema_fields & set(fields) if getattr(project, k) != fields[k]]
        if changed:
            raise ApplicationError(
                "The label schema cannot change once annotations exist.",
                extra={"code": "schema_locked", "fields": {k: "Locked." for k in changed}},
            )
    # Items hold the slots their policy gave them at import: the policy and the minimum apply from the first item.
    slot_fields = [k for k in ("overlap_policy", "overlap_min") if k in fields and getattr(project, k) != fields[k]]
    if slot_fields and project.items.exists():
        raise ApplicationError(
            "The overlap policy and minimum cannot change once items exist.",
            extra={"code": "overlap_locked", "fields": {k: "Locked." for k in slot_fields}},
        )
    if "name" in fields and Project.objects.filter(name=fields["name"]).exclude(pk=project.pk).exists():
        raise ApplicationError(
            "A project with this name exists.", extra={"code": "duplicate_name", "fields": {"name": "Taken."}}
        )
    for key, value in fields.items():
        setattr(project, key, list(value) if key == "categories" else value)
    _schema_validate(project)
    project.full_clean(validate_unique=False, validate_constraints=False)
    project.save()
    if MONEY_FIELDS & set(fields):
        _budget_still_covers_reservations(project=project)
    return project


def _budget_still_covers_reservations(*, project: Project) -> None:
    """Refuse a change of budget, pay or bonus that the open leases and unsettled bonuses no longer fit in.

    Open leases are paid at the rates in force when they are submitted, so raising pay (or lowering the
    budget) while work is out could spend past the budget. Runs after the save inside the same transaction
    and under the budget lock, so the check reads the new rates; a refusal rolls the change back.
    """
    if project.budget_cents is None:
        return
    budget_lock(project=project)
    snapshot = project_budget_snapshot(project=project)
    if snapshot.spent_cents + snapshot.reserved_cents > project.budget_cents:
        raise ApplicationError(
            "The budget cannot cover the work already handed out at these rates; nothing was changed.",
            extra={
                "code": "budget_exceeded",
                "fields": {"budget_cents": "Below what open tasks and unsettled bonuses may still cost."},
                "committed_cents": snapshot.spent_cents + snapshot.reserved_cents,
            },
        )


def _ban_refuse(*, project: Project, user) -> None:
    from raters.selectors.bans import ban_in_force

    if ban_in_force(project=project, user=user) is not None:
        raise ForbiddenError("This person is banned from the project.", extra={"code": "banned"})


def _actor_may_touch(*, project: Project, actor, user, membership: ProjectMembership | None, role: str | None) -> None:
    """Role rules for a non-staff actor (a project manager). Staff and the system (actor=None) pass.

    A manager works only on the project's own members (new people come in through campaigns and invites):
    anyone else gets the same 404 as an unknown id, so ids cannot be probed for usernames. Manager roles,
    managers' memberships and staff accounts are staff business.
    """
    if actor is None or actor.is_staff:
        return
    actor_membership = ProjectMembership.objects.filter(project=project, user=actor).first()
    if (
        actor_membership is None
        or actor_membership.status != MembershipStatus.ACTIVE
        or actor_membership.role != Role.MANAGER
    ):
        raise ForbiddenError("Only staff and project managers may manage members.", extra={"code": "staff_only"})
    if role == Role.MANAGER:  # depends on nothing about the target, so it can come before the lookup
        raise ForbiddenError("Only staff may grant the manager role.", extra={"code": "manager_role_staff_only"})
    if membership is None or membership.status == MembershipStatus.REMOVED:
        raise NotFoundError("No such user.", extra={"code": "user_not_found"})
    if membership.role == Role.MANAGER:
        raise ForbiddenError("Only staff may change a manager's membership.", extra={"code": "member_is_manager"})
    if user.is_staff or user.is_superuser:
        raise ForbiddenError("Only staff may change a staff member's membership.", extra={"code": "member_is_staff"})


@transaction.atomic
def membership_add(*, project: Project, user, role: str = Role.RATER, actor=None) -> ProjectMembership:
    """Idempotent. Re-adding a removed member makes them active again; a pause is left alone.

    Every way into a project ends here, so a ban is refused here (403 `banned`) and by no other rule.
    `actor` is the person asking (None for the system, e.g. a campaign sign-up); see `_actor_may_touch`.
    """
    if role not in Role.values:
        raise ApplicationError("Unknown role.", extra={"code": "invalid_role", "fields": {"role": "Unknown."}})
    existing = ProjectMembership.objects.select_for_update().filter(project=project, user=user).first()
    _actor_may_touch(project=project, actor=actor, user=user, membership=existing, role=role)
    _ban_refuse(project=project, user=user)
    if existing is None:
        membership, created = ProjectMembership.objects.get_or_create(
            project=project, user=user, defaults={"role": role}
        )
    else:
        membership, created = existing, False
    if not created:
        changed = []
        if membership.role != role:
            membership.role = role
            changed.append("role")
        if membership.status == MembershipStatus.REMOVED:
            membership.status = MembershipStatus.ACTIVE
            changed.append("status")
        if changed:
            membership.save(update_fields=changed)
    return membership


@transaction.atomic
def memberships_add_imported(*, project: Project, user_ids: list[int]) -> None:
    """Make the raters of an annotation import members (role rater) in one statement; members stay as they are.

    The bulk form of `membership_add` for thousands of accounts at once, with its ban rule: a banned
    account refuses the whole import (403 `banned`).
    """
    from raters.selectors.bans import banned_user_ids

    banned = banned_user_ids(project=project, user_ids=user_ids)
    if banned:
        raise ForbiddenError(
            "Some raters are banned from the project.", extra={"code": "banned", "user_ids": banned[:50]}
        )
    ProjectMembership.objects.bulk_create(
        [ProjectMembership(project=project, user_id=user_id, role=Role.RATER) for user_id in user_ids],
        ignore_conflicts=True,
        batch_size=2000,
    )


@transaction.atomic
def membership_remove(*, project: Project, user, actor=None, reason: str = "") -> ProjectMembership:
    """Remove a member and ban them from the project, so no campaign, invite or re-add brings them back."""
    from raters.services.bans import project_ban_create

    membership = ProjectMembership.objects.select_for_update().filter(project=project, user=user).first()
    _actor_may_touch(project=project, actor=actor, user=user, membership=membership, role=None)
    if membership is None:
        raise NotFoundError("No such user.", extra={"code": "user_not_found"})
    if membership.status != MembershipStatus.REMOVED or membership.is_qualified:
        membership.status = MembershipStatus.REMOVED
        membership.is_qualified = False
        membership.save(update_fields=["status", "is_qualified"])
    project_ban_create(project=project, user=user, reason=reason, actor=actor)
    return membership

"""Recruitment: campaigns, invite links, sign-up, and staff decisions on applicants."""

from __future__ import annotations

import secrets
from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from config.accounts.usernames import username_normalize, username_problem
from config.exceptions import ApplicationError, ConflictError, ForbiddenError, NotFoundError
from labeling.models import MembershipStatus, Project, ProjectMembership, Role
from raters.events import application_submitted_emit
from raters.models import (
    ApplicationStatus,
    CampaignInvite,
    CloseReason,
    RaterApplication,
    RaterProfile,
    RaterStatusEvent,
    RaterType,
    RecruitmentCampaign,
    StatusAction,
)
from raters.models.attributes import ATTRIBUTE_FIELDS
from raters.selectors.bans import ban_in_force
from raters.selectors.campaigns import campaign_close_reason
from raters.services.attributes import attributes_consent_give
from raters.services.bans import project_ban_create


@transaction.atomic
def campaign_create(
    *,
    title: str,
    project: Project | None = None,
    slug: str = "",
    description: str = "",
    rater_types: list[str] | tuple[str, ...] = (),
    invite_only: bool = False,
    requires_approval: bool = False,
    places: int | None = None,
    created_by=None,
) -> RecruitmentCampaign:
    unknown = set(rater_types) - set(RaterType.values)
    if unknown:
        raise ApplicationError("Unknown rater type.", extra={"code": "bad_rater_type", "values": sorted(unknown)})
    if places is not None and places < 1:
        raise ApplicationError("A campaign needs at least one place.", extra={"code": "bad_places"})
    slug = slugify(slug or title)[:64]
    if not slug:
        raise ApplicationError("A campaign needs a title.", extra={"code": "title_required"})
    if RecruitmentCampaign.objects.filter(slug=slug).exists():
        raise ConflictError("A campaign with this address already exists.", extra={"code": "slug_taken", "slug": slug})
    return RecruitmentCampaign.objects.create(
        title=title,
        slug=slug,
        project=project,
        description=description,
        rater_types=list(rater_types),
        invite_only=invite_only,
        requires_approval=requires_approval,
        places=places,
        created_by=created_by,
    )


@transaction.atomic
def invite_create(
    *,
    campaign: RecruitmentCampaign,
    created_by=None,
    max_uses: int | None = 1,
    expires_at: datetime | None = None,
    note: str = "",
) -> CampaignInvite:
    return CampaignInvite.objects.create(
        campaign=campaign,
        token=secrets.token_urlsafe(18),
        max_uses=max_uses,
        expires_at=expires_at,
        note=note,
        created_by=created_by,
    )


def _claim_invite(*, campaign: RecruitmentCampaign, token: str) -> CampaignInvite:
    invite = CampaignInvite.objects.select_for_update().filter(campaign=campaign, token=token).first()
    if invite is None:
        raise ForbiddenError("This invite link is not valid.", extra={"code": "invite_invalid"})
    if invite.expires_at is not None and invite.expires_at <= timezone.now():
        raise ForbiddenError("This invite link has expired.", extra={"code": "invite_expired"})
    if invite.max_uses is not None and invite.use_count >= invite.max_uses:
        raise ForbiddenError("This invite link has already been used.", extra={"code": "invite_used"})
    invite.use_count += 1
    invite.save(update_fields=["use_count"])
    return invite


def _new_pseudonym() -> str:
    return "r-" + secrets.token_hex(6)


def membership_join(*, project: Project, user, qualified: bool) -> ProjectMembership:
    """Make the user a rater on the project (through the labeling core's membership service).

    A reviewer or manager who also signs up to label keeps the role staff gave them: joining a campaign
    never demotes anyone.
    """
    from labeling.services.projects import membership_add

    existing = ProjectMembership.objects.filter(project=project, user=user).exclude(status=MembershipStatus.REMOVED)
    role = existing.values_list("role", flat=True).first() or Role.RATER
    membership = membership_add(project=project, user=user, role=role)
    if membership.is_qualified != qualified:
        membership.is_qualified = qualified
        membership.save(update_fields=["is_qualified"])
    return membership


def _closed() -> ForbiddenError:
    return ForbiddenError("This campaign is closed.", extra={"code": "campaign_closed"})


def _banned() -> ForbiddenError:
    return ForbiddenError("You cannot join this project.", extra={"code": "banned"})


def _close(campaign: RecruitmentCampaign, reason: str) -> None:
    campaign.is_open = False
    campaign.closed_at = timezone.now()
    campaign.closed_reason = reason
    campaign.save(update_fields=["is_open", "closed_at", "closed_reason"])


@transaction.atomic
def campaign_close_if_done(*, campaign: RecruitmentCampaign) -> bool:
    """Close the campaign for good when its places are taken or its project has no work left; True if closed.

    Runs in its own transaction before a join, so the close is kept even though the join is then refused.
    """
    locked = RecruitmentCampaign.objects.select_for_update(of=("self",)).select_related("project").get(pk=campaign.pk)
    if locked.is_open:
        reason = campaign_close_reason(campaign=locked)
        if reason is not None:
            _close(locked, reason)
    campaign.is_open, campaign.closed_at, campaign.closed_reason = (
        locked.is_open,
        locked.closed_at,
        locked.closed_reason,
    )
    return not locked.is_open


@transaction.atomic
def campaign_close(*, campaign: RecruitmentCampaign, reason: str = CloseReason.STAFF) -> RecruitmentCampaign:
    """Idempotent: closing a closed campaign keeps its first reason."""
    locked = RecruitmentCampaign.objects.select_for_update().get(pk=campaign.pk)
    if locked.is_open:
        _close(locked, reason)
    return locked


def campaigns_close_finished() -> int:
    """The periodic check: close every open campaign whose project has no work left (or whose places are taken)."""
    closed = 0
    open_ids = RecruitmentCampaign.objects.filter(is_open=True, project__isnull=False).values_list("pk", flat=True)
    for campaign in RecruitmentCampaign.objects.filter(pk__in=list(open_ids)):
        closed += int(campaign_close_if_done(campaign=campaign))
    return closed


def _join_refusal(*, campaign: RecruitmentCampaign, user=None, email: str = "") -> None:
    """Refusals that must come before anything is stored: a closed campaign, a banned person."""
    if campaign_close_if_done(campaign=campaign):
        raise _closed()
    if campaign.project_id is not None and ban_in_force(project=campaign.project, user=user, email=email):
        raise _banned()


def campaign_join(*, campaign: RecruitmentCampaign, user, invite_token: str = "") -> RaterApplication:
    """Apply through a campaign: record the application and join its project as an unqualified rater.

    With no exam and no staff approval required, the rater is qualified at once. Not atomic itself: a
    campaign found finished is closed (and stays closed) even though this join is refused.
    """
    _join_refusal(campaign=campaign, user=user)
    try:
        return _campaign_join(campaign=campaign, user=user, invite_token=invite_token)
    except IntegrityError:
        # A second join racing this one (a double click, two campaigns of one project) wrote the same rows.
        raise ConflictError("You have already joined.", extra={"code": "already_applied"})


@transaction.atomic
def _campaign_join(*, campaign: RecruitmentCampaign, user, invite_token: str = "") -> RaterApplication:
    # The campaign row lock serialises joins, so places are never oversold.
    locked = RecruitmentCampaign.objects.select_for_update(of=("self",)).select_related("project").get(pk=campaign.pk)
    if not locked.is_open or campaign_close_reason(campaign=locked) is not None:
        raise _closed()
    if RaterApplication.objects.filter(campaign=locked, user=user).exists():
        raise ConflictError("You have already signed up through this campaign.", extra={"code": "already_applied"})
    invite = None
    if invite_token:
        invite = _claim_invite(campaign=locked, token=invite_token)
    elif locked.invite_only:
        raise ForbiddenError("This campaign is by invitation only.", extra={"code": "invite_required"})
    profile = RaterProfile.objects.filter(user=user).first()
    if profile is None:
        profile = RaterProfile.objects.create(user=user, pseudonym=_new_pseudonym())
    if locked.rater_types and profile.rater_type not in locked.rater_types:
        raise ForbiddenError("This campaign does not recruit your rater type.", extra={"code": "bad_rater_type"})

    project = locked.project
    open_gate = not locked.requires_approval and (project is None or not project.requires_exam)
    application = RaterApplication.objects.create(
        campaign=locked,
        user=user,
        invite=invite,
        status=ApplicationStatus.APPROVED if open_gate else ApplicationStatus.PENDING,
        decided_at=timezone.now() if open_gate else None,
    )
    application_submitted_emit(application=application, project=project)
    if project is not None:
        existing = ProjectMembership.objects.filter(project=project, user=user).first()
        if existing is None or existing.status == MembershipStatus.REMOVED:
            membership_join(project=project, user=user, qualified=open_gate)
    if locked.places is not None and locked.applications.count() >= locked.places:
        _close(locked, CloseReason.FULL)
    campaign.is_open = locked.is_open
    return application


def rater_sign_up(
    *,
    campaign: RecruitmentCampaign,
    username: str,
    password: str,
    email: str = "",
    rater_type: str = RaterType.GENERALIST,
    expertise: str = "",
    invite_token: str = "",
    consent: bool = False,
    attributes: dict | None = None,
):
    """Create the account and profile, then apply through the campaign (see `campaign_join`).

    A closed campaign and a banned mailbox are refused before the account exists.
    """
    _join_refusal(campaign=campaign, email=email)
    username = username_normalize(username)
    if not username:
        raise ApplicationError(
            "Choose a username.", extra={"code": "username_required", "field": "username", "reason": "required"}
        )
    problem = username_problem(username)
    if problem:
        raise ApplicationError(
            f"The username {problem}.", extra={"code": "bad_username", "field": "username", "reason": problem}
        )
    unknown = sorted(set(attributes or {}) - set(ATTRIBUTE_FIELDS))
    if unknown:
        raise ApplicationError(
            "Unknown attribute.",
            extra={"code": "unknown_attribute", "field": "attributes", "reason": "unknown keys", "fields": unknown},
        )
    try:
        return _rater_sign_up(
            campaign=campaign,
            username=username,
            password=password,
            email=email,
            rater_type=rater_type,
            expertise=expertise,
            invite_token=invite_token,
            consent=consent,
            attributes=attributes,
        )
    except IntegrityError as exc:
        # The same name signed up at the same moment (in any case): the unique index on lower(username) decides.
        if "username" in str(getattr(getattr(exc.__cause__, "diag", None), "constraint_name", "") or exc):
            raise ConflictError(
                "That username is taken.", extra={"code": "username_taken", "field": "username", "reason": "taken"}
            )
        raise ConflictError("This sign-up is already being processed.", extra={"code": "duplicate_request"})


@transaction.atomic
def _rater_sign_up(
    *,
    campaign: RecruitmentCampaign,
    username: str,
    password: str,
    email: str,
    rater_type: str,
    expertise: str,
    invite_token: str,
    consent: bool,
    attributes: dict | None,
):
    if rater_type not in RaterType.values or (campaign.rater_types and rater_type not in campaign.rater_types):
        raise ApplicationError("This campaign does not recruit that rater type.", extra={"code": "bad_rater_type"})
    user_model = get_user_model()
    if user_model.objects.filter(username__iexact=username).exists():
        raise ConflictError(
            "That username is taken.", extra={"code": "username_taken", "field": "username", "reason": "taken"}
        )
    candidate = user_model(username=username, email=email)
    try:
        validate_password(password, user=candidate)
    except ValidationError as exc:
        raise ApplicationError("Choose a stronger password.", extra={"code": "weak_password", "problems": exc.messages})
    user = user_model.objects.create_user(username=username, email=email, password=password)
    RaterProfile.objects.create(
        user=user, rater_type=rater_type, expertise=(expertise or "").strip(), pseudonym=_new_pseudonym()
    )
    _campaign_join(campaign=campaign, user=user, invite_token=invite_token)
    if consent and attributes and any(attributes.values()):
        attributes_consent_give(user=user, consent=True, **attributes)
    return user


def _application_for_update(application_id: int) -> RaterApplication:
    application = (
        RaterApplication.objects.select_for_update(of=("self",))
        .select_related("campaign__project")
        .filter(pk=application_id)
        .first()
    )
    if application is None:
        raise NotFoundError("No such application.", extra={"code": "not_found"})
    return application


def _application_decide(application_id: int, status: str, *, actor, note: str) -> RaterApplication:
    """Lock the application and record the decision; refuses to record the same decision twice."""
    application = _application_for_update(application_id)
    if application.status == status:
        raise ConflictError(f"This application is already {status}.", extra={"code": "already_decided"})
    application.status = status
    application.decided_by = actor
    application.decided_at = timezone.now()
    application.decision_note = note
    application.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    return application


@transaction.atomic
def application_approve(*, application_id: int, actor, note: str = "") -> RaterApplication:
    """Staff qualify an applicant by hand (with or without an exam)."""
    application = _application_decide(application_id, ApplicationStatus.APPROVED, actor=actor, note=note)
    project = application.campaign.project
    if project is not None:
        # A ban (say from the rejection of another application) wins until staff lift it.
        if ban_in_force(project=project, user=application.user) is not None:
            raise ForbiddenError(
                "This applicant is banned from the project; lift the ban first.", extra={"code": "banned"}
            )
        membership = membership_join(project=project, user=application.user, qualified=True)
        if membership.status == MembershipStatus.REMOVED:
            membership.status = MembershipStatus.ACTIVE
            membership.save(update_fields=["status"])
        RaterStatusEvent.objects.create(
            project=project, user=application.user, action=StatusAction.APPROVED, reason=note, actor=actor
        )
    return application


@transaction.atomic
def application_reject(*, application_id: int, actor, note: str = "") -> RaterApplication:
    """Staff turn an applicant down: the application is closed, the membership removed and the person banned.

    The ban keeps them out of every other campaign, invite and sign-up of the project until staff lift it.
    """
    from labeling.services.projects import membership_remove

    application = _application_decide(application_id, ApplicationStatus.REJECTED, actor=actor, note=note)
    project = application.campaign.project
    if project is not None:
        if ProjectMembership.objects.filter(project=project, user=application.user).exists():
            membership_remove(
                project=project, user=application.user, actor=actor, reason=note or "Application rejected."
            )
        else:
            project_ban_create(
                project=project, user=application.user, reason=note or "Application rejected.", actor=actor
            )
        RaterStatusEvent.objects.create(
            project=project, user=application.user, action=StatusAction.REJECTED, reason=note, actor=actor
        )
    return application

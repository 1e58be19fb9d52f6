"""Who is banned from which project. Every way into a project asks `ban_in_force` first."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from labeling.models import Project
from raters.models import ProjectBan

# Providers that ignore dots in the local part, so "a.b@gmail.com" and "ab@gmail.com" are one mailbox.
DOTLESS_DOMAINS = {"gmail.com", "googlemail.com"}


def email_normalize(email: str) -> str:
    """One mailbox, one string: case, surrounding space, "+tag" suffixes (and Gmail's dots) do not matter."""
    email = (email or "").strip().lower()
    local, at, domain = email.rpartition("@")
    if not at or not local or not domain:
        return email
    local = local.split("+", 1)[0]
    if domain in DOTLESS_DOMAINS:
        local = local.replace(".", "")
        domain = "gmail.com"
    return f"{local}@{domain}"


def ban_in_force(*, project: Project, user=None, email: str = "") -> ProjectBan | None:
    """The ban that keeps this account (or any account with this mailbox) out of the project, if any."""
    match = Q()
    if user is not None and user.pk is not None:
        match |= Q(user_id=user.pk)
        email = email or getattr(user, "email", "")
    normalized = email_normalize(email)
    if normalized:
        match |= Q(email_normalized=normalized)
    if not match:
        return None
    return ProjectBan.objects.filter(match, project=project, lifted_at__isnull=True).order_by("-created_at").first()


def banned_user_ids(*, project: Project, user_ids: list[int]) -> list[int]:
    """Which of these accounts a ban in force keeps out of the project (by account; for bulk joins)."""
    bans = ProjectBan.objects.filter(project=project, user_id__in=user_ids, lifted_at__isnull=True)
    return sorted(set(bans.values_list("user_id", flat=True)))


def project_bans(*, project: Project, include_lifted: bool = True) -> QuerySet[ProjectBan]:
    bans = ProjectBan.objects.filter(project=project).select_related("user", "banned_by", "lifted_by")
    if not include_lifted:
        bans = bans.filter(lifted_at__isnull=True)
    return bans.order_by("-created_at", "-id")

"""Whether a campaign can still take applicants: places left and work left on its project."""

from __future__ import annotations

from labeling.models import Item, Project
from raters.models import CloseReason, RecruitmentCampaign


def project_has_open_work(*, project: Project) -> bool:
    """An active project with at least one regular item that still needs a rater."""
    if not project.is_active:
        return False
    return Item.objects.filter(
        project=project, slots_open__gt=0, is_gold=False, is_exam=False, is_practice=False
    ).exists()


def campaign_close_reason(*, campaign: RecruitmentCampaign) -> str | None:
    """Why an open campaign should close now, or None while it may take applicants."""
    if campaign.places is not None and campaign.applications.count() >= campaign.places:
        return CloseReason.FULL
    if campaign.project_id is not None and not project_has_open_work(project=campaign.project):
        return CloseReason.WORK_DONE
    return None

"""Whether a campaign can still take applicants: places left and work left on its project."""

from __future__ import annotations

from labeling.models import Item, Project
from raters.models import CloseReason, RecruitmentCampaign


def project_work_done(*, project: Project) -> bool:
    """An inactive project, or one whose regular items all have their raters (none with an open slot).

    A project with no regular items yet has not started: its campaign may recruit before the import.
    """
    if not project.is_active:
        return True
    regular = Item.objects.filter(project=project, is_gold=False, is_exam=False, is_practice=False)
    return regular.exists() and not regular.filter(slots_open__gt=0).exists()


def campaign_close_reason(*, campaign: RecruitmentCampaign) -> str | None:
    """Why an open campaign should close now, or None while it may take applicants."""
    if campaign.places is not None and campaign.applications.count() >= campaign.places:
        return CloseReason.FULL
    if campaign.project_id is not None and project_work_done(project=campaign.project):
        return CloseReason.WORK_DONE
    return None

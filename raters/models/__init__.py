from raters.models.attributes import AgeBand, ConsentEvent, RaterAttributes
from raters.models.bans import ProjectBan
from raters.models.earnings import EarningsEntry, EarningsKind
from raters.models.pay import (
    AccountChangeSource,
    PayoutAccount,
    PayoutAccountChange,
    PayoutStatement,
    PayoutStatementEntry,
    PayPeriod,
    PayPolicy,
    PeriodState,
    Platform,
)
from raters.models.profile import RaterProfile, RaterType
from raters.models.qualification import ExamAttempt, PracticeAnswer
from raters.models.quality import GoldCheck, RaterStatusEvent, StatusAction
from raters.models.recruitment import (
    ApplicationStatus,
    CampaignInvite,
    CloseReason,
    RaterApplication,
    RecruitmentCampaign,
)

__all__ = [
    "AccountChangeSource",
    "AgeBand",
    "ApplicationStatus",
    "CampaignInvite",
    "CloseReason",
    "ConsentEvent",
    "EarningsEntry",
    "EarningsKind",
    "ExamAttempt",
    "GoldCheck",
    "PracticeAnswer",
    "PayPeriod",
    "PayPolicy",
    "PayoutAccount",
    "PayoutAccountChange",
    "PayoutStatement",
    "PayoutStatementEntry",
    "PeriodState",
    "Platform",
    "ProjectBan",
    "RaterApplication",
    "RaterAttributes",
    "RaterProfile",
    "RaterStatusEvent",
    "RaterType",
    "RecruitmentCampaign",
    "StatusAction",
]

from labeling.models.agreement import AggregationFit, RaterReliability
from labeling.models.assignments import Annotation, AnnotationSource, Assignment, AssignmentStatus
from labeling.models.instructions import InstructionAcknowledgement, InstructionVersion
from labeling.models.items import Item
from labeling.models.overlap import ItemOverlapDecision
from labeling.models.predictions import (
    ActiveLearning,
    ItemModelState,
    MachineReliability,
    ModelSettings,
    Prediction,
    QueueStream,
    SuggestionExposure,
)
from labeling.models.project import (
    AggregationMethod,
    LabelType,
    MeasurementLevel,
    MembershipStatus,
    OverlapPolicy,
    Project,
    ProjectMembership,
    Role,
)
from labeling.models.resolution import Resolution, ResolutionKind
from labeling.models.review import AnnotationRevision, FlagReason, ItemFlag, Review, ReviewMode, ReviewState

__all__ = [
    "ActiveLearning",
    "ItemModelState",
    "MachineReliability",
    "ModelSettings",
    "Prediction",
    "QueueStream",
    "SuggestionExposure",
    "AggregationFit",
    "AggregationMethod",
    "Annotation",
    "AnnotationRevision",
    "AnnotationSource",
    "Assignment",
    "AssignmentStatus",
    "FlagReason",
    "InstructionAcknowledgement",
    "InstructionVersion",
    "Item",
    "ItemOverlapDecision",
    "ItemFlag",
    "LabelType",
    "MeasurementLevel",
    "MembershipStatus",
    "OverlapPolicy",
    "Project",
    "ProjectMembership",
    "RaterReliability",
    "Resolution",
    "ResolutionKind",
    "Review",
    "ReviewMode",
    "ReviewState",
    "Role",
]

"""Award dossiers: the award catalogue, nominees and their history, dossiers and their documents."""

from .catalogue import (
    AwardLevel,
    AwardRoute,
    AwardType,
    DocumentKind,
    EligibilityRule,
    OccasionKind,
    RecipientKind,
    RuleKind,
    RuleSeverity,
)
from .dossier import (
    Dossier,
    DossierDocument,
    DossierNominee,
    DossierState,
    NomineeState,
    PublicComment,
    ReturnItem,
    Submission,
)
from .nominees import AwardRecord, Gender, InitiativeRecognition, Nominee, Rating, RecordSource, YearlyRating

__all__ = [
    "AwardLevel",
    "AwardRecord",
    "AwardRoute",
    "AwardType",
    "DocumentKind",
    "Dossier",
    "DossierDocument",
    "DossierNominee",
    "DossierState",
    "EligibilityRule",
    "Gender",
    "InitiativeRecognition",
    "Nominee",
    "NomineeState",
    "OccasionKind",
    "PublicComment",
    "Rating",
    "RecipientKind",
    "RecordSource",
    "ReturnItem",
    "RuleKind",
    "RuleSeverity",
    "Submission",
    "YearlyRating",
]

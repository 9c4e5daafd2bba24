"""Every table model, imported in one place so metadata is complete for Alembic."""

from sqlmodel import SQLModel

from server.audit.models import AuditEvent
from server.auth.models import LoginAttempt, PasswordReset, UserSession
from server.cases.lead_models import Lead, LeadItem
from server.cases.models import (
    CaseDecision,
    CaseItem,
    CaseOfficer,
    CaseReview,
    CaseStep,
    CaseTransfer,
    EnforcementCase,
)
from server.catalog.models import (
    CheckItem,
    EnforcementDomain,
    Matter,
    MatterEmpowerment,
    Scenario,
    ScenarioItem,
)
from server.colour.models import (
    ColourEvent,
    ColourOverride,
    ColourState,
    NightlyRun,
    ReratingRequest,
)
from server.complaints.models import Complaint
from server.evidence.models import Evidence, EvidenceLink, LegalHold
from server.evidence.recorders.models import Recorder, RecorderAssignment, RecorderClip
from server.evidence.tus.models import Upload, UploadFragment, UploadPart
from server.inspections.models import Finding, Inspection, InspectionOfficer
from server.inspections.record_models import InspectionRecord
from server.leniency.models import (
    DecisionLeniency,
    LeniencyEntry,
    LeniencyEntryItem,
    LeniencyList,
)
from server.merchants.models import Merchant, MerchantScenario, MerchantToken, OwnerLink
from server.org.models import Department, Street, Team, User
from server.packets.store import DayPacket, PacketWindow
from server.planning.models import (
    Draw,
    DrawSeed,
    JointVisit,
    OfficerLeave,
    OpeningHours,
    Plan,
    Recusal,
    Route,
    RouteOfficer,
    VisitItem,
)
from server.ratelimit.models import RateCounter
from server.rectifications.models import RectificationOrder, RectificationPhoto

__all__ = [
    "AuditEvent",
    "CaseDecision",
    "CaseItem",
    "CaseOfficer",
    "CaseReview",
    "CaseStep",
    "CaseTransfer",
    "CheckItem",
    "ColourEvent",
    "ColourOverride",
    "ColourState",
    "Complaint",
    "DayPacket",
    "DecisionLeniency",
    "Department",
    "Draw",
    "DrawSeed",
    "EnforcementCase",
    "EnforcementDomain",
    "Evidence",
    "EvidenceLink",
    "Finding",
    "Inspection",
    "InspectionOfficer",
    "InspectionRecord",
    "JointVisit",
    "Lead",
    "LeadItem",
    "LegalHold",
    "LeniencyEntry",
    "LeniencyEntryItem",
    "LeniencyList",
    "LoginAttempt",
    "Matter",
    "MatterEmpowerment",
    "Merchant",
    "MerchantScenario",
    "MerchantToken",
    "NightlyRun",
    "OfficerLeave",
    "OpeningHours",
    "OwnerLink",
    "PacketWindow",
    "PasswordReset",
    "Plan",
    "RateCounter",
    "Recorder",
    "RecorderAssignment",
    "RecorderClip",
    "RectificationOrder",
    "RectificationPhoto",
    "Recusal",
    "ReratingRequest",
    "Route",
    "RouteOfficer",
    "Scenario",
    "ScenarioItem",
    "Street",
    "Team",
    "Upload",
    "UploadFragment",
    "UploadPart",
    "User",
    "UserSession",
    "VisitItem",
    "metadata",
]

metadata = SQLModel.metadata

"""Every table model, imported in one place so metadata is complete for Alembic."""

from sqlmodel import SQLModel

from server.audit.models import AuditEvent
from server.auth.models import LoginAttempt, UserSession
from server.catalog.models import (
    CheckItem,
    EnforcementDomain,
    Matter,
    MatterEmpowerment,
    Scenario,
    ScenarioItem,
)
from server.inspections.models import Finding, Inspection, InspectionOfficer
from server.merchants.models import Merchant, MerchantScenario
from server.org.models import Department, Street, Team, User

__all__ = [
    "AuditEvent",
    "CheckItem",
    "Department",
    "EnforcementDomain",
    "Finding",
    "Inspection",
    "InspectionOfficer",
    "LoginAttempt",
    "Matter",
    "MatterEmpowerment",
    "Merchant",
    "MerchantScenario",
    "Scenario",
    "ScenarioItem",
    "Street",
    "Team",
    "User",
    "UserSession",
    "metadata",
]

metadata = SQLModel.metadata

"""SQLAlchemy models, one module per part of the domain; importing this registers them all."""

from feedback.models.analytics import (
    AnalysisProgress,
    ResponseAnalysis,
    ResponseTheme,
    Theme,
    ThemeProposal,
)
from feedback.models.backlog import (
    BacklogEvent,
    BacklogItem,
    BacklogNotice,
    BacklogResponse,
    BacklogTask,
)
from feedback.models.conversation import Message, Response, ScoreChange
from feedback.models.customers import (
    Account,
    AccountDomain,
    AccountHealth,
    Contact,
    LifecycleEvent,
)
from feedback.models.delivery import EmailContent, Invitation, OutboxEmail
from feedback.models.events import EmailEvent
from feedback.models.followup import (
    OuterLoopCandidate,
    PlaybookRule,
    PlaybookSet,
    ResolutionCheck,
    StaffNotice,
    Task,
    TaskEvent,
)
from feedback.models.imports import CsvImport
from feedback.models.jobs import JobRun, WorkerHeartbeat
from feedback.models.org import ApiToken, AuditEvent, Department, PasswordReset, Team, User
from feedback.models.privacy import ErasedEmail, PrivacyRequest
from feedback.models.programs import SurveyProgram
from feedback.models.replies import InboundEmail, ReplyToken, UnmatchedReply
from feedback.models.webhooks import WebhookDelivery, WebhookEndpoint

__all__ = [
    "Account", "AccountDomain", "AccountHealth", "ApiToken", "AuditEvent", "Department",
    "PasswordReset", "Contact", "EmailContent", "EmailEvent", "Invitation",
    "JobRun", "LifecycleEvent", "Message", "OutboxEmail", "Response", "Role", "ScoreChange",
    "SurveyProgram", "Team", "User", "OuterLoopCandidate", "PlaybookRule", "PlaybookSet",
    "ResolutionCheck", "StaffNotice", "Task", "TaskEvent", "AnalysisProgress", "ResponseAnalysis",
    "ResponseTheme", "Theme", "ThemeProposal", "WorkerHeartbeat", "InboundEmail", "ReplyToken",
    "UnmatchedReply", "WebhookDelivery", "WebhookEndpoint",
    "BacklogEvent", "BacklogItem", "BacklogNotice", "BacklogResponse", "BacklogTask",
    "CsvImport", "ErasedEmail", "PrivacyRequest",
]  # fmt: skip

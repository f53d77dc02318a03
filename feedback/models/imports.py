"""CSV imports started from the browser: the uploaded file, its column mapping and the
progress of the job that imports it.

The file lives in the row, not on a web server's disk, so any worker process can run the
import and a killed one is resumed where its last committed chunk ended.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from feedback.db import Base, JSONType, utcnow

# uploaded: previewed, not started; queued: waiting for the run-imports job; running; done;
# failed: stopped by a database error (the chunks before it are kept).
IMPORT_STATUSES = ("uploaded", "queued", "running", "done", "failed")


class CsvImport(Base):
    __tablename__ = "csv_imports"
    __table_args__ = (
        CheckConstraint(
            "status IN ('uploaded', 'queued', 'running', 'done', 'failed')", name="status"
        ),
        CheckConstraint("kind IN ('contacts', 'accounts')", name="kind"),
        Index("ix_csv_imports_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # contacts or accounts
    filename: Mapped[str] = mapped_column(String(255))
    content: Mapped[str] = mapped_column(Text)
    # One target per column of the header: a field name, an attribute name, or "" (ignored).
    mapping: Mapped[list[str]] = mapped_column(JSONType, default=list)
    status: Mapped[str] = mapped_column(String(16), default="uploaded")
    total_rows: Mapped[int] = mapped_column(default=0)
    processed_rows: Mapped[int] = mapped_column(default=0)
    created: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    # [[line, field, message], ...], the first MAX_KEPT_ERRORS of them
    errors: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    error_count: Mapped[int] = mapped_column(default=0)
    message: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    claimed_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

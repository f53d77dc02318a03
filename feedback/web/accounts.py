"""Account and contact pages: the accounts list, one account (Customer 360 with its health),
one contact's history, and how NPS lined up with renewals and churn."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from feedback import db
from feedback.access import roles
from feedback.roles import STAFF
from feedback.services import customer_view
from feedback.services import retention as retention_service
from feedback.web.sparkline import Sparkline
from feedback.web.viewer import signed_in_user, whole_number

bp = Blueprint("accounts", __name__)
SORT_NAMES = {"name": "name", "health": "health", "arr": "ARR", "nps": "NPS",
              "renewal": "renewal date"}  # fmt: skip


@bp.get("/accounts")
@roles(*STAFF)
def account_list() -> Any:
    errors: dict[str, list[str]] = {}
    status = 200
    sort = request.args.get("sort", "name")
    if sort not in customer_view.SORTS:
        errors["sort"] = [f"Sort by one of: {', '.join(SORT_NAMES.values())}."]
        sort, status = "name", 400
    descending = request.args.get("dir", "asc" if sort in ("name", "renewal") else "desc") == "desc"
    q = (request.args.get("q") or "").strip()[:200] or None
    page = max(whole_number(request.args.get("page"), 1), 1)
    per_page = min(
        max(whole_number(request.args.get("per_page"), 50), 1), customer_view.MAX_PER_PAGE
    )
    rows, total = customer_view.list_accounts(
        db.session(),
        signed_in_user(),
        q=q,
        sort=sort,
        descending=descending,
        page=page,
        per_page=per_page,
    )
    args = {k: v for k, v in {"q": q, "sort": sort, "dir": "desc" if descending else "asc"}.items()
            if v}  # fmt: skip
    return (
        render_template(
            "accounts/list.html",
            rows=rows,
            total=total,
            page=page,
            pages=max((total + per_page - 1) // per_page, 1),
            sort=sort,
            descending=descending,
            q=q or "",
            args=args,
            errors=errors,
            sort_names=SORT_NAMES,
        ),
        status,
    )


@bp.get("/accounts/<int:account_id>")
@roles(*STAFF)
def account_page(account_id: int) -> Any:
    view = customer_view.account_overview(db.session(), signed_in_user(), account_id)
    return render_template("accounts/show.html", v=view, spark=Sparkline(view.trend, width=320))


@bp.get("/contacts")
@roles(*STAFF)
def contact_list() -> Any:
    q = (request.args.get("q") or "").strip()[:200] or None
    page = max(whole_number(request.args.get("page"), 1), 1)
    per_page = min(
        max(whole_number(request.args.get("per_page"), 50), 1), customer_view.MAX_PER_PAGE
    )
    rows, total = customer_view.list_contacts(
        db.session(), signed_in_user(), q=q, page=page, per_page=per_page
    )
    return render_template(
        "accounts/contacts.html",
        rows=rows,
        total=total,
        page=page,
        pages=max((total + per_page - 1) // per_page, 1),
        q=q or "",
        args={"q": q} if q else {},
    )


@bp.get("/contacts/<int:contact_id>")
@roles(*STAFF)
def contact_page(contact_id: int) -> Any:
    view = customer_view.contact_overview(db.session(), signed_in_user(), contact_id)
    return render_template("accounts/contact.html", v=view, spark=Sparkline(view.trend, width=320))


@bp.get("/accounts/retention")
@roles(*STAFF)
def retention() -> Any:
    groups = retention_service.retention_by_category(db.session(), signed_in_user())
    return render_template("accounts/retention.html", groups=groups)

"""The Admin page: brands and sources listed, added, edited, disabled and enabled again.

Every change goes through monitor/admin/service.py, the API's own code: the same rules as the
TOML file and the same messages. Admins only ([api] admins, or everyone when the dashboard is
open); others see the lists. A source's keys are edited as the lines of its [[sources]] table.
"""

from __future__ import annotations

import tomllib
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from connectors.registry import CONNECTORS
from monitor.admin import service
from monitor.admin.toml import toml_lines
from monitor.brands.models import Brand
from monitor.config_store import ENV_REF
from monitor.db import utcnow
from monitor.deps import SessionDep
from monitor.secrets import mask_options
from monitor.sources.models import Source
from monitor.web.render import render, secure
from monitor.web.routes import CsrfField, ViewerDep, page_context
from monitor.web.session import Viewer, WebError, check_csrf

router = APIRouter(include_in_schema=False)

Text = Annotated[str, Form(max_length=5000)]
Name = Annotated[str, Form(max_length=200)]
DONE = {
    "saved": "Saved: running workers pick it up on their next tick.",
    "disabled": "Disabled.",
    "enabled": "Enabled.",
}


def is_admin(request: Request, who: Viewer) -> bool:
    """May this viewer change brands and sources?"""
    return who.open or who.name in request.app.state.config.api.admins


def _page(
    request: Request,
    session: Session,
    who: Viewer,
    *,
    done: str | None = None,
    error: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    ctx = page_context(request, session, who, title="Admin", nav="admin")
    sources = list(session.scalars(select(Source).order_by(Source.name)))
    ctx.update(
        admin=is_admin(request, who),
        brands=list(session.scalars(select(Brand).order_by(Brand.name))),
        sources=[(s, "\n".join(toml_lines(service.source_table(s) | {"name": None}))) for s in sources],
        kinds=sorted(CONNECTORS),
        done=DONE.get(done or ""),
        error=error,
    )
    return render(request, "admin.html", ctx, status_code=status_code)


@router.get("/admin")
def admin_page(request: Request, session: SessionDep, who: ViewerDep, done: str | None = None) -> Response:
    return _page(request, session, who, done=done)


def _change(
    request: Request, session: Session, who: Viewer, csrf: str, form: str, values: dict[str, Any], action: Any
) -> Response:
    """Check the token and the role, run the change; a refusal shows the page again with its message."""
    check_csrf(request, csrf)
    if not is_admin(request, who):
        raise WebError(403, f"{who.name} may not change brands and sources: ask an admin ([api] admins).")
    try:
        outcome = action()
        session.commit()
    except (service.AdminError, IntegrityError) as exc:
        session.rollback()
        # IntegrityError: another admin added the same name at the same moment
        refused = exc if isinstance(exc, service.AdminError) else service.AdminError(409, "name", "is taken")
        error = {"form": form, "field": refused.field, "message": refused.message, "values": values}
        return _page(request, session, who, error=error, status_code=refused.status)
    return secure(request, RedirectResponse(f"/admin?done={outcome}", status_code=303))


def _brand_form(query: str, handles: str, exclude: str) -> dict[str, Any]:
    return {
        "query": query.strip(),
        "handles": [h.strip() for h in handles.replace("\n", ",").split(",") if h.strip()],
        "exclude": exclude.strip() or None,
    }


@router.post("/admin/brands")
def save_brand(
    request: Request,
    session: SessionDep,
    who: ViewerDep,
    csrf: CsrfField = "",
    name: Name = "",
    query: Text = "",
    handles: Text = "",
    exclude: Text = "",
    edit: Annotated[bool, Form()] = False,
) -> Response:
    """Add a brand, or (edit) change one's query, handles and exclude."""
    values = {"name": name, "query": query, "handles": handles, "exclude": exclude}
    data = _brand_form(query, handles, exclude)

    def action() -> str:
        if edit:
            service.update_brand(session, name, data, now=utcnow())
        else:
            service.create_brand(session, {"name": name.strip()} | data, now=utcnow())
        return "saved"

    return _change(request, session, who, csrf, f"brand:{name}" if edit else "brand", values, action)


def _settings(text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise service.AdminError(422, "settings", f"malformed TOML: {exc}") from None


def _echo(text: str, kind_or_name: str, session: Session) -> str:
    """The typed table to show again after a refusal, a secret typed in clear blanked out."""
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return text  # nothing was saved or understood; the person fixes what they typed
    row = session.scalar(select(Source).where(Source.name == kind_or_name))
    kind = str(table.get("kind") or (row.kind if row is not None else kind_or_name))
    clean = {k: v if v == mask_options(kind, {k: v})[k] or _is_ref(v) else "" for k, v in table.items()}
    return "\n".join(toml_lines(clean))


def _is_ref(value: object) -> bool:
    return isinstance(value, str) and ENV_REF.fullmatch(value.strip()) is not None


@router.post("/admin/sources")
def save_source(
    request: Request,
    session: SessionDep,
    who: ViewerDep,
    csrf: CsrfField = "",
    name: Name = "",
    kind: Annotated[str, Form(max_length=50)] = "",
    settings: Text = "",
    edit: Annotated[bool, Form()] = False,
) -> Response:
    """Add a source (name, kind and its keys as TOML lines), or (edit) replace an existing one's keys."""
    values = {"name": name, "kind": kind, "settings": _echo(settings, kind or name, session)}

    def action() -> str:
        data = _settings(settings)
        if edit:
            row = service.get_source(session, name)
            # keys left out are removed: the text is the whole table, as in the file
            patch = {k: None for k in service.source_table(row) if k != "name"} | data
            service.update_source(session, name, patch, now=utcnow())
        else:
            service.create_source(session, {"name": name.strip(), "kind": kind} | data, now=utcnow())
        return "saved"

    return _change(request, session, who, csrf, f"source:{name}" if edit else "source", values, action)


@router.post("/admin/{what}/enabled")
def set_enabled(
    request: Request,
    session: SessionDep,
    who: ViewerDep,
    what: str,
    csrf: CsrfField = "",
    name: Name = "",
    enabled: Annotated[bool, Form()] = False,
) -> Response:
    """Disable (mentions stay) or enable again a brand or a source."""
    if what not in ("brands", "sources"):
        raise WebError(404, "There is no such page.")

    def action() -> str:
        if what == "brands":
            service.update_brand(session, name, {"enabled": enabled}, now=utcnow())
        else:
            service.update_source(session, name, {"enabled": enabled}, now=utcnow())
        return "enabled" if enabled else "disabled"

    return _change(request, session, who, csrf, f"{what[:-1]}:{name}", {}, action)

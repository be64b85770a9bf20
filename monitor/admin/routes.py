"""POST/PATCH/DELETE /api/brands and /api/sources (admins only); GETs of one brand or source.

The lists stay GET /api/brands and GET /api/sources (monitor/brands, monitor/sources). DELETE
disables: mentions and incidents cascade from their brand and source rows, so nothing is deleted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Request, status
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from monitor.admin import service
from monitor.admin.schemas import BrandAdminRead, BrandWrite, SourceAdminRead, SourceWrite
from monitor.brands.models import Brand
from monitor.db import utcnow
from monitor.deps import SessionDep, require_api_key
from monitor.schemas import WRITE_ERRORS, ErrorRead

ADMIN_ERRORS: dict[int | str, dict[str, Any]] = WRITE_ERRORS | {
    403: {"model": ErrorRead, "description": "Not an admin ([api] admins), or a cross-origin request."},
    404: {"model": ErrorRead, "description": "No brand or source of that name."},
    409: {"model": ErrorRead, "description": "The name is taken."},
}
NamePath = Annotated[str, Path(min_length=1, max_length=200)]


def require_admin(request: Request, caller: Annotated[str, Depends(require_api_key)]) -> str:
    """The caller, if it may change brands and sources: an open API, or a key or user in [api] admins."""
    if caller == "api" or caller in request.app.state.config.api.admins:
        return caller
    raise HTTPException(status.HTTP_403_FORBIDDEN, f"{caller} is not an admin: list it in [api] admins")


router = APIRouter(tags=["admin"], responses=ADMIN_ERRORS)
AdminDep = Annotated[str, Depends(require_admin)]


def _brand_read(row: Brand) -> BrandAdminRead:
    return BrandAdminRead(
        name=row.name,
        query=row.query,
        handles=list(row.handles or []),
        exclude=row.exclude,
        enabled=row.enabled,
    )


def _write(session: Session, action: Callable[[], Any]) -> Any:
    """Run a service write and commit it; AdminError becomes 404/409/422 (422 names the field)."""
    try:
        row = action()
        session.commit()
    except IntegrityError:
        # two requests adding the same name at once: the unique index refuses the second
        session.rollback()
        raise HTTPException(status.HTTP_409_CONFLICT, "the name is taken") from None
    except service.AdminError as exc:
        session.rollback()
        if exc.status == 422:
            loc = ["body", exc.field] if exc.field else ["body"]
            detail: Any = [{"loc": loc, "msg": exc.message, "type": "value_error"}]
        else:
            detail = exc.message
        raise HTTPException(exc.status, detail) from None
    return row


def _body(model: BrandWrite | SourceWrite) -> dict[str, Any]:
    return model.model_dump(exclude_unset=True)


@router.get("/brands/{name}", response_model=BrandAdminRead)
def get_brand(session: SessionDep, name: NamePath) -> BrandAdminRead:
    """One brand as configured."""
    return _brand_read(_write(session, lambda: service.get_brand(session, name)))


@router.post("/brands", response_model=BrandAdminRead, status_code=201)
def post_brand(session: SessionDep, _: AdminDep, body: BrandWrite) -> BrandAdminRead:
    """Add a brand (the [[brands]] table's keys); running workers match it from their next tick."""
    return _brand_read(_write(session, lambda: service.create_brand(session, _body(body), now=utcnow())))


@router.patch("/brands/{name}", response_model=BrandAdminRead)
def patch_brand(session: SessionDep, _: AdminDep, name: NamePath, body: BrandWrite) -> BrandAdminRead:
    """Change a brand's keys; null removes an optional one; enabled: true brings a disabled one back."""
    return _brand_read(
        _write(session, lambda: service.update_brand(session, name, _body(body), now=utcnow()))
    )


@router.delete("/brands/{name}", response_model=BrandAdminRead)
def delete_brand(session: SessionDep, _: AdminDep, name: NamePath) -> BrandAdminRead:
    """Disable a brand: no longer matched; its mentions and incidents stay."""
    return _brand_read(_write(session, lambda: service.disable_brand(session, name, now=utcnow())))


@router.get("/sources/{name}", response_model=SourceAdminRead)
def get_source(session: SessionDep, name: NamePath) -> SourceAdminRead:
    """One source as configured, secrets masked."""
    return SourceAdminRead.of(_write(session, lambda: service.get_source(session, name)))


@router.post("/sources", response_model=SourceAdminRead, status_code=201)
def post_source(session: SessionDep, _: AdminDep, body: SourceWrite) -> SourceAdminRead:
    """Add a source (the [[sources]] table's keys); it is polled from the next tick."""
    return SourceAdminRead.of(
        _write(session, lambda: service.create_source(session, _body(body), now=utcnow()))
    )


@router.patch("/sources/{name}", response_model=SourceAdminRead)
def patch_source(session: SessionDep, _: AdminDep, name: NamePath, body: SourceWrite) -> SourceAdminRead:
    """Change a source's keys; null removes an optional one; a new URL or query resets its cursor."""
    return SourceAdminRead.of(
        _write(session, lambda: service.update_source(session, name, _body(body), now=utcnow()))
    )


@router.delete("/sources/{name}", response_model=SourceAdminRead)
def delete_source(session: SessionDep, _: AdminDep, name: NamePath) -> SourceAdminRead:
    """Disable a source: no longer polled; its mentions, cursor and history stay."""
    return SourceAdminRead.of(_write(session, lambda: service.disable_source(session, name, now=utcnow())))

"""Brands as the API shows them, with recent activity."""

from __future__ import annotations

from pydantic import BaseModel, Field


class BrandRead(BaseModel):
    """A watched brand, its query, and how much is happening around it."""

    name: str
    query: str
    handles: list[str]
    exclude: str | None
    enabled: bool = Field(default=True, description="False: disabled, no longer matched (its mentions stay).")
    mentions_24h: int = Field(description="Mentions published in the last 24 hours.")
    flagged_24h: int = Field(description="Of those, flagged as problems.")
    open_incidents: int = Field(description="Incidents open or acknowledged.")

"""The dashboard (being built)."""

from fastapi import FastAPI


def mount_web(app: FastAPI) -> None:
    """Attach the dashboard's routes to the app."""

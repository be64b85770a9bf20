"""Every ORM model, imported once so the metadata (and Alembic) sees the whole schema."""

from monitor.admin.models import ConfigRevision, ConfigSeed
from monitor.alerts.models import AlertDelivery
from monitor.brands.models import Brand
from monitor.db import Base
from monitor.incidents.models import Incident
from monitor.mentions.models import Mention, MentionHourly, MentionLabel
from monitor.sources.models import Source

__all__ = [
    "AlertDelivery",
    "ConfigRevision",
    "ConfigSeed",
    "Base",
    "Brand",
    "Incident",
    "Mention",
    "MentionHourly",
    "MentionLabel",
    "Source",
]

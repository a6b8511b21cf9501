"""Who may reach which figures of real-time control: cell snapshots, utilisation rows and
alerts are scoped by region (``restrict``, presales.core.restrict)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Q

from presales import access
from presales.core.restrict import RestrictedQuerySet, Rule
from presales.models import User


class RegionScopedQuerySet(RestrictedQuerySet[Any]):
    def rules(self) -> Mapping[str, Rule]:
        return {"view": self._view_q}

    def _view_q(self, user: User) -> Q | None:
        """The rows of the regions the user watches (presales.access.watched_regions)."""
        return Q(region__in=access.watched_regions(user))

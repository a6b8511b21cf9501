"""Who may reach which grab orders and invitations: ``restrict(user, action)``
(presales.core.restrict), built from presales.access predicates."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Q

from presales import access
from presales.core.restrict import RestrictedQuerySet, Rule

if TYPE_CHECKING:  # the models module imports this one
    from grabbing.models import GrabOrder, Invitation  # noqa: F401 (quoted below)
    from presales.models import User


class GrabOrderQuerySet(RestrictedQuerySet["GrabOrder"]):
    def rules(self) -> Mapping[str, Rule]:
        return {"view": self._view_q}

    def _view_q(self, user: User) -> Q | None:
        """A rep their own, a manager their regions', an admin all, an engineer those they are
        (or were) invited to."""
        if access.is_admin(user):
            return None
        visible = Q(opportunity__owner=user)
        if access.is_manager(user):
            visible |= Q(opportunity__region__in=access.managed_regions(user))
        if access.is_engineer(user):
            invitations = self.model._meta.get_field("invitations").related_model._default_manager
            visible |= Q(Exists(invitations.filter(grab_order=OuterRef("pk"), engineer__user=user)))
        return visible


class InvitationQuerySet(RestrictedQuerySet["Invitation"]):
    def rules(self) -> Mapping[str, Rule]:
        return {"view": self._view_q}

    def _view_q(self, user: User) -> Q | None:
        """The engineer's own invitations (a rep reads those of their order through the order)."""
        return Q(engineer__user=user)

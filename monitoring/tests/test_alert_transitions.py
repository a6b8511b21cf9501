"""The alert's transition table: every (status, action) pair through the service — the allowed
ones succeed and lead to the table's status, the others raise InvalidState."""

from decimal import Decimal

import pytest
from django.utils import timezone

from monitoring.models import ALERT_TRANSITIONS, Alert, AlertKind, AlertStatus
from monitoring.services.alerts import alert_acknowledge, alert_resolve
from presales.exceptions import InvalidState
from presales.tests.factories import SolutionFactory

pytestmark = pytest.mark.django_db

ACTS = {"acknowledge": alert_acknowledge, "resolve": alert_resolve}


def test_every_action_is_tried():
    assert set(ALERT_TRANSITIONS.steps) == set(ACTS)


@pytest.mark.parametrize("action", sorted(ACTS))
@pytest.mark.parametrize("status", AlertStatus.values)
def test_each_action_from_each_status(north, manager, status, action):
    now = timezone.now()
    alert = Alert.objects.create(
        region=north,
        solution=SolutionFactory(),
        kind=AlertKind.DELAY_SURGE,
        status=status,
        current=8,
        baseline=Decimal("2.50"),
        window_end=now,
        opened_at=now,
    )
    if ALERT_TRANSITIONS.allows(action, status):
        assert ACTS[action](alert=alert, by=manager).status == ALERT_TRANSITIONS.target(action)
    else:
        with pytest.raises(InvalidState):
            ACTS[action](alert=alert, by=manager)
        alert.refresh_from_db()
        assert alert.status == status

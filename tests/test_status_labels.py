"""Every status and resource type a page shows reads as a word in Chinese: distinct within its
model, never the raw code, and "已确认" names one state only (a booking the engineer accepted,
an alert a manager took on and a grab order the rep confirmed are three different things)."""

import pytest
from django.db import models
from django.template import Context, Template
from django.utils import translation

from dispatch.models import Booking, BookingStatus, Escalation, EscalationStatus, HotlineRequest, HotlineStatus
from dispatch.work_order_status import WorkOrderStatus
from grabbing.models import GrabOrder, GrabOrderStatus, Invitation, InvitationStatus
from monitoring.models import Alert, AlertKind, AlertStatus, CellSnapshot, CellStatus
from presales.choices import RESOURCE_TYPE_LABELS

# Each model whose status a page renders with ``get_<field>_display``, and its choices.
RENDERED = [
    (Booking, "status", BookingStatus),
    (Escalation, "status", EscalationStatus),
    (HotlineRequest, "status", HotlineStatus),
    (GrabOrder, "status", GrabOrderStatus),
    (Invitation, "status", InvitationStatus),
    (Alert, "status", AlertStatus),
    (Alert, "kind", AlertKind),
    (CellSnapshot, "status", CellStatus),
]


def _render_zh(model: type[models.Model], field: str, value: str) -> str:
    template = Template("{{ obj.get_" + field + "_display }}")
    with translation.override("zh-hans"):
        return template.render(Context({"obj": model(**{field: value})})).strip()


@pytest.mark.parametrize(("model", "field", "choices"), RENDERED, ids=lambda item: getattr(item, "__name__", item))
def test_each_rendered_status_has_its_own_chinese_label(model, field, choices):
    labels = {value: _render_zh(model, field, value) for value in choices.values}
    assert len(set(labels.values())) == len(labels), labels
    for value, label in labels.items():
        assert label != value and label.isascii() is False, (value, label)


def test_work_order_status_labels_are_distinct_chinese():
    with translation.override("zh-hans"):
        labels = {status.value: str(status.label) for status in WorkOrderStatus}
    assert len(set(labels.values())) == len(labels), labels
    assert all(not label.isascii() for label in labels.values()), labels


def test_confirmed_names_one_state_only():
    with translation.override("zh-hans"):
        named = [
            f"{choices.__name__}.{status.value}"
            for _model, _field, choices in RENDERED
            for status in choices
            if str(status.label) == "已确认"
        ]
    assert named == ["GrabOrderStatus.confirmed"]


def test_acknowledged_booking_and_alert_read_differently():
    booking = _render_zh(Booking, "status", BookingStatus.ACKNOWLEDGED)
    alert = _render_zh(Alert, "status", AlertStatus.ACKNOWLEDGED)
    assert booking != alert
    with translation.override("en"):
        assert str(BookingStatus.ACKNOWLEDGED.label) == str(AlertStatus.ACKNOWLEDGED.label) == "Acknowledged"


@pytest.mark.parametrize("code", sorted(RESOURCE_TYPE_LABELS))
def test_resource_types_render_as_translated_labels(code):
    template = Template("{% load labels %}{{ code|resource_type }}")
    with translation.override("zh-hans"):
        chinese = template.render(Context({"code": code}))
    with translation.override("en"):
        english = template.render(Context({"code": code}))
        assert english != code and english == str(RESOURCE_TYPE_LABELS[code])
    assert chinese != code and not chinese.isascii()


def test_an_unknown_resource_type_reads_as_words():
    template = Template("{% load labels %}{{ code|resource_type }}")
    with translation.override("en"):
        assert template.render(Context({"code": "data_engineer"})) == "Data engineer"

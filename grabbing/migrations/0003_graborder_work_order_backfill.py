"""Every existing grab order becomes the call of a work order.

A confirmed order's booking already fills a work order (opened for it when it was booked): the
grab order joins that one, which now counts from when the order was posted. Any other order
opens a work order with its opportunity, stage, activity, solution, skills (each at the order's
minimum level, 1 without one), desired window = its window, created when the order was posted,
by whoever posted it; a cancelled order's work order is cancelled with it. A grab (the order's
``grabbed_at``) is the work order's first response unless an earlier one is recorded.
Invitations, bookings and money are not touched."""

from django.db import migrations


def _history(HistoricalWorkOrder, work_order, user_id):
    fields = {field.attname: getattr(work_order, field.attname) for field in work_order._meta.concrete_fields}
    HistoricalWorkOrder.objects.create(
        **fields, history_date=work_order.created_at, history_type="+", history_user_id=user_id
    )


def backfill(apps, schema_editor):
    GrabOrder = apps.get_model("grabbing", "GrabOrder")
    HistoricalGrabOrder = apps.get_model("grabbing", "HistoricalGrabOrder")
    WorkOrder = apps.get_model("dispatch", "WorkOrder")
    WorkOrderSkill = apps.get_model("dispatch", "WorkOrderSkill")
    HistoricalWorkOrder = apps.get_model("dispatch", "HistoricalWorkOrder")
    orders = GrabOrder.objects.filter(work_order__isnull=True).select_related("booking__work_order")
    for order in orders.order_by("pk").iterator(chunk_size=500):
        if order.booking_id is not None:
            work_order = order.booking.work_order
            if order.posted_at < work_order.created_at:
                work_order.created_at = order.posted_at
        else:
            work_order = WorkOrder(
                opportunity_id=order.opportunity_id,
                stage=order.stage,
                activity=order.activity,
                solution_id=order.solution_id,
                engineers_needed=1,
                desired_start=order.start,
                desired_end=order.end,
                note=order.note,
                created_at=order.posted_at,
                created_by_id=order.posted_by_id,
                cancelled_at=order.cancelled_at,
                cancelled_by_id=order.cancelled_by_id,
            )
            work_order.save()
            WorkOrderSkill.objects.bulk_create(
                WorkOrderSkill(work_order=work_order, skill_id=skill_id, min_level=order.min_level or 1)
                for skill_id in order.skills.values_list("pk", flat=True)
            )
            _history(HistoricalWorkOrder, work_order, order.posted_by_id)
        if order.grabbed_at is not None and (
            work_order.first_response_at is None or order.grabbed_at < work_order.first_response_at
        ):
            work_order.first_response_at = order.grabbed_at
        work_order.save(update_fields=["created_at", "first_response_at"])
        GrabOrder.objects.filter(pk=order.pk).update(work_order=work_order)
        HistoricalGrabOrder.objects.filter(id=order.pk).update(work_order=work_order)


class Migration(migrations.Migration):
    dependencies = [("grabbing", "0002_graborder_work_order"), ("dispatch", "0013_work_order_request_required")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]

"""Every existing work order becomes a full request: its solution is its opportunity's, its
desired window ends where its last booking ends (at least an hour after the desired start),
it needs as many engineers as hold its bookings (so nothing staffed turns over- or
under-staffed), a hotline request's solution is the hotline's, and its first response is its earliest acknowledgement or hotline answer.
Bookings, their money and their ledger are not touched."""

import datetime as dt

from django.db import migrations
from django.db.models import Count, Max, Min, Q

HOLDING = ("booked", "acknowledged", "completed", "rated")
HOUR = dt.timedelta(hours=1)


def backfill(apps, schema_editor):
    WorkOrder = apps.get_model("dispatch", "WorkOrder")
    HistoricalWorkOrder = apps.get_model("dispatch", "HistoricalWorkOrder")
    HotlineRequest = apps.get_model("dispatch", "HotlineRequest")
    answered = dict(
        HotlineRequest.objects.filter(answered_at__isnull=False).values_list("work_order_id", "answered_at")
    )
    hotline_solution = dict(HotlineRequest.objects.values_list("work_order_id", "solution_id"))
    rows = WorkOrder.objects.select_related("opportunity").annotate(
        last_end=Max("bookings__end"),
        acknowledged=Min("bookings__acknowledged_at"),
        engineers=Count("bookings__engineer", distinct=True, filter=Q(bookings__status__in=HOLDING)),
    )
    filled = {}
    for work_order in rows.iterator(chunk_size=2000):
        desired_end = max(filter(None, [work_order.last_end, work_order.desired_start + HOUR]))
        responses = [moment for moment in (work_order.acknowledged, answered.get(work_order.pk)) if moment]
        WorkOrder.objects.filter(pk=work_order.pk).update(
            solution_id=hotline_solution.get(work_order.pk, work_order.opportunity.solution_id),
            desired_end=desired_end,
            engineers_needed=max(1, work_order.engineers),
            first_response_at=min(responses) if responses else None,
        )
        filled[work_order.pk] = (hotline_solution.get(work_order.pk, work_order.opportunity.solution_id), desired_end)
    for record in HistoricalWorkOrder.objects.filter(desired_end__isnull=True).iterator(chunk_size=2000):
        solution_id, desired_end = filled.get(record.id, (None, record.desired_start + HOUR))
        if solution_id is None:
            solution_id = apps.get_model("presales", "Opportunity").objects.get(pk=record.opportunity_id).solution_id
        HistoricalWorkOrder.objects.filter(pk=record.pk).update(solution_id=solution_id, desired_end=desired_end)


class Migration(migrations.Migration):
    dependencies = [("dispatch", "0011_work_order_request")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]

"""The delivery-centre lead's page (tiered support): the open A/B bookings of the solutions
they lead, each with the engineers it could be reassigned to. The rules live in
dispatch.services.bookings.booking_reassign; a refusal is shown as a message and changes nothing."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dispatch.models import Engineer
from dispatch.selectors.bookings import lead_bookings
from dispatch.selectors.engineers import engineer_search
from dispatch.services import bookings as booking_services
from presales import access
from presales.decorators import role_required
from presales.exceptions import ApplicationError
from presales.feedback import message_refusal
from presales.inputs import as_id

MAX_ROWS = 50  # each row searches its candidates: keep the page bounded


@role_required(*access.LEADS)
def lead_work(request):
    rows = list(lead_bookings(user=request.user)[:MAX_ROWS])
    for booking in rows:
        opportunity = booking.work_order.opportunity
        # Whom the lead can move it to: eligible for the opportunity and free for the same time.
        booking.candidates = [
            engineer
            for engineer in engineer_search(
                solution=opportunity.solution,
                free_from=booking.start,
                free_to=booking.end,
                opportunity=opportunity,
                eligible_only=True,
                ordering="name",
            )
            if engineer.pk != booking.engineer_id
        ]
    return render(request, "dispatch/lead_work.html", {"bookings": rows})


@require_POST
@role_required(*access.LEADS)
def lead_reassign(request, pk):
    booking = get_object_or_404(lead_bookings(user=request.user), pk=pk)
    # Read by hand from the form: an id that is not one (1.9, "abc") names no engineer.
    engineer = Engineer.objects.filter(pk=as_id(request.POST.get("engineer"))).first()
    if engineer is None:
        messages.error(request, _("Choose an engineer."))
        return redirect("dispatch:lead-work")
    try:
        new = booking_services.booking_reassign(booking=booking, by=request.user, engineer=engineer)
    except ApplicationError as error:
        message_refusal(request, error)
    else:
        messages.success(request, _("Reassigned to %(engineer)s.") % {"engineer": new.engineer.name})
    return redirect("dispatch:lead-work")

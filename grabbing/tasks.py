"""Grab orders' background work: the invitation and grab emails, and expiry at the start."""

from celery import shared_task

from presales.core.mail import send_templated_mail


@shared_task(name="grabbing.notify_invited", acks_late=True, autoretry_for=(OSError,), retry_backoff=True)
def notify_invited(grab_order_id: int) -> int:
    """Email every engineer still invited to an open order; queued after the posting commits."""
    from grabbing.models import GrabOrderStatus, Invitation, InvitationStatus

    invitations = Invitation.objects.filter(
        grab_order_id=grab_order_id, status=InvitationStatus.OPEN, grab_order__status=GrabOrderStatus.OPEN
    ).select_related("engineer__user", "grab_order__opportunity__owner")
    sent = 0
    for invitation in invitations:
        if not invitation.engineer.user.email:
            continue
        send_templated_mail(
            subject_template="grabbing/email/invited_subject.txt",
            body_template="grabbing/email/invited.txt",
            context={"invitation": invitation, "order": invitation.grab_order},
            recipients=[invitation.engineer.user.email],
        )
        sent += 1
    return sent


@shared_task(name="grabbing.notify_grabbed", acks_late=True, autoretry_for=(OSError,), retry_backoff=True)
def notify_grabbed(grab_order_id: int) -> bool:
    """Tell the rep that an engineer grabbed their order and it waits for their confirmation."""
    from grabbing.models import GrabOrder, GrabOrderStatus

    order = (
        GrabOrder.objects.select_related("opportunity__owner", "winner__user")
        .filter(pk=grab_order_id, status=GrabOrderStatus.GRABBED)
        .first()
    )
    if order is None or not order.opportunity.owner.email:
        return False
    send_templated_mail(
        subject_template="grabbing/email/grabbed_subject.txt",
        body_template="grabbing/email/grabbed.txt",
        context={"order": order},
        recipients=[order.opportunity.owner.email],
    )
    return True


@shared_task(name="grabbing.expire_grab_orders", acks_late=True)
def expire_grab_orders() -> int:
    """Open orders whose start has come become expired; running twice expires nothing more."""
    from grabbing.services.grab_orders import grab_orders_expire

    return grab_orders_expire()

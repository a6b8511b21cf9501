"""Grab orders (服务抢单): an open call to engineers in a widened scope, at an uplifted rate.

Every state change keeps its time and who made it, in explicit fields and in the history.
"""

from decimal import Decimal

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from dispatch.models import Booking, Engineer, WorkOrder
from dispatch.rules.hours import booked_hours, credit
from dispatch.rules.uplift import uplift_bounds_q
from grabbing.querysets import GrabOrderQuerySet, InvitationQuerySet
from presales.choices import Activity, PresalesStage
from presales.core.transitions import Transitions, step
from presales.models import Opportunity, Region, Skill, Solution


class GrabOrderStatus(models.TextChoices):
    OPEN = "open", _("Open")
    GRABBED = "grabbed", _("Grabbed")
    CONFIRMED = "confirmed", _("Confirmed")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Expired")


# The states in which an engineer holds the order.
WON_STATUSES = (GrabOrderStatus.GRABBED, GrabOrderStatus.CONFIRMED)
# A grab order not yet booked still calls for its work order.
UNDECIDED = (GrabOrderStatus.OPEN, GrabOrderStatus.GRABBED)

GRAB_ORDER_TRANSITIONS = Transitions(
    _("The grab order is %(status)s; this is not possible now."),
    {
        "grab": step([GrabOrderStatus.OPEN], GrabOrderStatus.GRABBED),
        "confirm": step([GrabOrderStatus.GRABBED], GrabOrderStatus.CONFIRMED),
        "reject": step([GrabOrderStatus.GRABBED], GrabOrderStatus.OPEN),
        "cancel": step([GrabOrderStatus.OPEN], GrabOrderStatus.CANCELLED),
        "expire": step([GrabOrderStatus.OPEN], GrabOrderStatus.EXPIRED),
        # Its work order was cancelled: a grabbed order lets its engineer go too.
        "call_off": step(UNDECIDED, GrabOrderStatus.CANCELLED),
        "ask": step(UNDECIDED, refusal=_("The grab order is closed; questions are no longer possible.")),
    },
)


def _user_fk(related_name: str = "+", **kwargs):
    return models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name=related_name, **kwargs
    )


class GrabOrder(models.Model):
    """An open call to fill a work order (its requirements and window the defaults)."""

    # PROTECT: the work order is the request this call serves; it is cancelled, never deleted.
    work_order = models.ForeignKey(
        WorkOrder, on_delete=models.PROTECT, related_name="grab_orders", verbose_name=_("work order")
    )
    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.PROTECT, related_name="grab_orders", verbose_name=_("opportunity")
    )
    stage = models.CharField(_("presales stage"), max_length=30, choices=PresalesStage.choices)
    activity = models.CharField(_("activity"), max_length=30, choices=Activity.choices)
    solution = models.ForeignKey(Solution, on_delete=models.PROTECT, related_name="+", verbose_name=_("solution"))
    skills = models.ManyToManyField(Skill, blank=True, related_name="+", verbose_name=_("required skills"))
    min_level = models.PositiveSmallIntegerField(_("minimum level"), null=True, blank=True)
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    uplift_percent = models.PositiveSmallIntegerField(_("incentive uplift (%)"))
    scope_regions = models.ManyToManyField(Region, blank=True, related_name="+", verbose_name=_("scope: regions"))
    # Grades are codes on the engineer and the rate card, not rows of their own.
    scope_grades = models.JSONField(_("scope: grades"), default=list, blank=True)
    note = models.TextField(_("note"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=GrabOrderStatus.choices, default=GrabOrderStatus.OPEN)
    winner = models.ForeignKey(
        Engineer, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("grabbed by")
    )
    booking = models.OneToOneField(
        Booking, null=True, blank=True, on_delete=models.PROTECT, related_name="grab_order", verbose_name=_("booking")
    )
    posted_at = models.DateTimeField(_("posted at"), default=timezone.now, db_index=True)
    posted_by = _user_fk()
    grabbed_at = models.DateTimeField(_("grabbed at"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_by = _user_fk()
    # The last rejection; earlier ones are in the history and on the withdrawn invitations.
    rejected_at = models.DateTimeField(_("rejected at"), null=True, blank=True)
    rejected_by = _user_fk()
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = _user_fk()
    expired_at = models.DateTimeField(_("expired at"), null=True, blank=True)
    objects = GrabOrderQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[skills, scope_regions])
    # Set before a save, for its django-simple-history record: who made the change.
    _history_user: "AbstractBaseUser | None"

    class Meta:
        ordering = ["-posted_at", "-id"]
        verbose_name = _("grab order")
        verbose_name_plural = _("grab orders")
        indexes = [models.Index(fields=["status", "start"], name="grabbing_graborder_open_start")]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="grabbing_graborder_end_after_start"),
            models.CheckConstraint(condition=uplift_bounds_q(), name="grabbing_graborder_uplift_0_200"),
            models.CheckConstraint(
                condition=Q(status__in=GrabOrderStatus.values), name="grabbing_graborder_status_valid"
            ),
            # A winner exactly while grabbed or confirmed: the claim and its undoing are one write.
            models.CheckConstraint(
                condition=Q(status__in=WON_STATUSES, winner__isnull=False)
                | (~Q(status__in=WON_STATUSES) & Q(winner__isnull=True)),
                name="grabbing_graborder_winner_iff_grabbed",
            ),
            models.CheckConstraint(
                condition=~Q(status=GrabOrderStatus.CONFIRMED) | Q(booking__isnull=False),
                name="grabbing_graborder_confirmed_has_booking",
            ),
        ]

    def __str__(self) -> str:
        return f"GO-{self.pk} {self.opportunity}"

    def allows(self, action: str) -> bool:
        """Whether its status allows ``action`` (GRAB_ORDER_TRANSITIONS)."""
        return GRAB_ORDER_TRANSITIONS.allows(action, self.status)

    @property
    def hours(self) -> Decimal:
        return booked_hours(self.start, self.end)

    @property
    def credited_hours(self) -> Decimal:
        """What the engineer is credited with: hours × (1 + uplift)."""
        return credit(self.hours, self.uplift_percent)


class InvitationStatus(models.TextChoices):
    OPEN = "open", _("Open")
    WON = "won", _("Won")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    CLOSED = "closed", _("Closed")


INVITATION_TRANSITIONS = Transitions(
    _("The invitation is %(status)s; this is not possible now."),
    {
        "win": step([InvitationStatus.OPEN], InvitationStatus.WON),
        "withdraw": step([InvitationStatus.WON], InvitationStatus.WITHDRAWN),  # the rep rejected the grab
        # The order was decided or is gone: the invitation asks nothing more.
        "close": step([InvitationStatus.OPEN], InvitationStatus.CLOSED),
        # Its work order was cancelled: the grabbing engineer's invitation closes too.
        "call_off": step([InvitationStatus.OPEN, InvitationStatus.WON], InvitationStatus.CLOSED),
    },
)


class Invitation(models.Model):
    """One engineer invited to grab one order (邀约)."""

    grab_order = models.ForeignKey(GrabOrder, on_delete=models.CASCADE, related_name="invitations")
    engineer = models.ForeignKey(Engineer, on_delete=models.PROTECT, related_name="invitations")
    status = models.CharField(
        _("status"), max_length=20, choices=InvitationStatus.choices, default=InvitationStatus.OPEN
    )
    invited_at = models.DateTimeField(_("invited at"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = _user_fk()
    objects = InvitationQuerySet.as_manager()
    history = HistoricalRecords()
    # Set before a save, for its django-simple-history record: who made the change.
    _history_user: "AbstractBaseUser | None"

    class Meta:
        ordering = ["-invited_at", "-id"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(fields=["grab_order", "engineer"], name="grabbing_invitation_unique_engineer"),
            # However many grab at once, one invitation per order can be the winning one.
            models.UniqueConstraint(
                fields=["grab_order"], condition=Q(status="won"), name="grabbing_invitation_one_winner"
            ),
            models.CheckConstraint(
                condition=Q(status__in=InvitationStatus.values), name="grabbing_invitation_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grab_order_id}:{self.engineer_id}"

    def allows(self, action: str) -> bool:
        """Whether its status allows ``action`` (INVITATION_TRANSITIONS)."""
        return INVITATION_TRANSITIONS.allows(action, self.status)


class Question(models.Model):
    """One message in the thread between the rep and one invited engineer about an order."""

    grab_order = models.ForeignKey(GrabOrder, on_delete=models.CASCADE, related_name="questions")
    # Whose thread: the engineer who asks; the rep's answers go to that engineer's thread only.
    engineer = models.ForeignKey(Engineer, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(_("asked at"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self) -> str:
        return f"{self.grab_order_id}/{self.engineer_id}: {self.text[:40]}"

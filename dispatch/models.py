"""Engineers (profile, skills, calendar), work orders, bookings and ratings."""

import datetime as dt
import secrets
import zoneinfo
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from budgeting.models import Budget
from dispatch.querysets import BookingQuerySet, EscalationQuerySet, HotlineRequestQuerySet, WorkOrderQuerySet
from dispatch.rules.ratings import SCORE_MAX, SCORE_MIN, valid_score_q
from dispatch.rules.uplift import uplift_bounds_q
from presales.choices import Activity, PresalesStage
from presales.core.transitions import Transitions, step
from presales.models import Opportunity, Region, Skill, Solution, code_validator

MIDNIGHT = dt.time(0, 0)


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone: %(tz)s"), params={"tz": value}, code="invalid")


class DeliveryCentre(models.Model):
    """The delivery centre (交付中心) of one solution: it serves that solution's class A/B
    opportunities one-stop, its lead directs the engineers. Engineers without a delivery centre
    belong to the local office of their region."""

    solution = models.OneToOneField(
        Solution, on_delete=models.PROTECT, related_name="delivery_centre", verbose_name=_("solution")
    )
    name = models.CharField(_("name"), max_length=100)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_delivery_centres",
        verbose_name=_("lead"),
    )
    # Remote hotline requests of the solution go to this engineer (set by the admin each shift).
    on_duty = models.ForeignKey(
        "Engineer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("on-duty engineer"),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("delivery centre")
        verbose_name_plural = _("delivery centres")

    def __str__(self) -> str:
        return self.name


class Engineer(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="engineer", verbose_name=_("user")
    )
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="engineers", verbose_name=_("region"))
    home_office = models.CharField(_("home office"), max_length=100, blank=True)
    # None: a local-office engineer of ``region``, eligible for every opportunity (see
    # dispatch.tiered.eligibility).
    delivery_centre = models.ForeignKey(
        DeliveryCentre,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="engineers",
        verbose_name=_("delivery centre"),
    )
    resource_type = models.CharField(_("resource type"), max_length=50, validators=[code_validator])
    grade = models.CharField(_("grade"), max_length=20, validators=[code_validator])
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Shanghai", validators=[validate_time_zone]
    )
    solutions = models.ManyToManyField(Solution, related_name="engineers", blank=True, verbose_name=_("solutions"))
    is_active = models.BooleanField(_("active"), default=True)
    # Kept in step with the ratings by dispatch.services.engineers.booking_rate, so that search can
    # filter and rank on them without aggregating every rating each time.
    rating_sum = models.PositiveIntegerField(_("sum of ratings"), default=0, editable=False)
    rating_count = models.PositiveIntegerField(_("number of ratings"), default=0, editable=False)
    # The secret in the engineer's iCalendar feed URL; rotating it revokes old subscriptions.
    calendar_token = models.CharField(
        _("calendar feed token"), max_length=64, unique=True, default=secrets.token_urlsafe, editable=False
    )
    history = HistoricalRecords(
        m2m_fields=[solutions], excluded_fields=["rating_sum", "rating_count", "calendar_token"]
    )

    # Set on a page's engineers by dispatch.selectors.engineers.attach_display_lists.
    solution_codes: list[str]
    skill_list: list[dict]

    class Meta:
        ordering = ["user__display_name", "id"]
        verbose_name = _("engineer")
        verbose_name_plural = _("engineers")

    def __str__(self) -> str:
        return str(self.user)

    @property
    def name(self) -> str:
        return self.user.name

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def rating_avg(self) -> Decimal | None:
        if not self.rating_count:
            return None
        return (Decimal(self.rating_sum) / self.rating_count).quantize(Decimal("0.01"))


class EngineerSkill(models.Model):
    engineer = models.ForeignKey(Engineer, on_delete=models.CASCADE, related_name="skill_levels")
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="engineer_levels", verbose_name=_("skill"))
    level = models.PositiveSmallIntegerField(
        _("level"), validators=[MinValueValidator(1), MaxValueValidator(5)], help_text=_("Proficiency 1–5")
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["skill__code"]
        verbose_name = _("skill level")
        verbose_name_plural = _("skill levels")
        constraints = [
            models.UniqueConstraint(fields=["engineer", "skill"], name="dispatch_engineerskill_unique_skill"),
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=5), name="dispatch_engineerskill_level_1_5"),
        ]

    def __str__(self) -> str:
        return f"{self.skill.code}:{self.level}"


class WorkingHours(models.Model):
    """One working interval on an ISO weekday (1 = Monday), in the engineer's local time.

    An ``end`` of 00:00 means midnight at the end of that day, so a night shift is two rows
    (22:00–00:00 on one day, 00:00–06:00 on the next).
    """

    engineer = models.ForeignKey(Engineer, on_delete=models.CASCADE, related_name="working_hours")
    weekday = models.PositiveSmallIntegerField(
        _("weekday"), validators=[MinValueValidator(1), MaxValueValidator(7)], help_text=_("ISO weekday, 1 = Monday")
    )
    start = models.TimeField(_("start"))
    end = models.TimeField(_("end"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["weekday", "start"]
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")
        # The free-window search asks "who works on this weekday from at most this time until
        # at least that time": an index-only scan (PostgreSQL) instead of a pass over the table.
        indexes = [
            models.Index(fields=["weekday", "start"], include=["end", "engineer"], name="dispatch_wh_weekday_start"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(weekday__gte=1, weekday__lte=7), name="dispatch_workinghours_iso_weekday"
            ),
            models.CheckConstraint(
                condition=Q(end__gt=F("start")) | Q(end=MIDNIGHT), name="dispatch_workinghours_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.weekday} {self.start:%H:%M}–{self.end:%H:%M}"

    @property
    def runs_to_midnight(self) -> bool:
        return self.end == MIDNIGHT


class TimeOff(models.Model):
    """Absence as a half-open interval [start, end)."""

    engineer = models.ForeignKey(Engineer, on_delete=models.CASCADE, related_name="time_off")
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["start"]
        verbose_name = _("time off")
        verbose_name_plural = _("time off")
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="dispatch_timeoff_end_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.engineer}: {self.start:%Y-%m-%d %H:%M} – {self.end:%Y-%m-%d %H:%M}"


MAX_ENGINEERS_NEEDED = 20


class WorkOrder(models.Model):
    """A request for presales help on an opportunity (资源调度工单), opened before anyone is
    booked and filled by one or more bookings. Its status and delay are derived from those
    bookings at a moment (dispatch.work_order_status, dispatch.delay), never stored."""

    key = models.CharField(_("key"), max_length=100, null=True, blank=True, unique=True, help_text=_("Import key"))
    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.PROTECT, related_name="work_orders", verbose_name=_("opportunity")
    )
    stage = models.CharField(_("presales stage"), max_length=30, choices=PresalesStage.choices)
    activity = models.CharField(_("activity"), max_length=30, choices=Activity.choices)
    solution = models.ForeignKey(
        Solution,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("solution"),
        help_text=_("Default: the opportunity's solution"),
    )
    resource_type = models.CharField(_("resource type"), max_length=50, blank=True)
    grade = models.CharField(_("grade"), max_length=20, blank=True)
    engineers_needed = models.PositiveSmallIntegerField(
        _("engineers needed"), default=1, validators=[MinValueValidator(1), MaxValueValidator(MAX_ENGINEERS_NEEDED)]
    )
    desired_start = models.DateTimeField(_("desired start"), help_text=_("When the rep needs someone"))
    desired_end = models.DateTimeField(_("desired end"))
    hours = models.DecimalField(_("estimated hours"), max_digits=8, decimal_places=2, null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The earliest acknowledgement of one of its bookings, grab of its grab order or hotline
    # answer (dispatch.delay.record_response keeps it the earliest).
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    objects = WorkOrderQuerySet.as_manager()
    history = HistoricalRecords()
    # Set before a save, for its django-simple-history record: who made the change.
    _history_user: "AbstractBaseUser | None"

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        indexes = [models.Index(fields=["desired_start"], name="dispatch_workorder_desired")]
        constraints = [
            models.CheckConstraint(
                condition=Q(desired_end__gt=F("desired_start")), name="dispatch_workorder_desired_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(engineers_needed__gte=1, engineers_needed__lte=MAX_ENGINEERS_NEEDED),
                name="dispatch_workorder_engineers_needed_1_20",
            ),
            models.CheckConstraint(
                condition=Q(hours__isnull=True) | Q(hours__gt=0), name="dispatch_workorder_hours_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.key or f"WO-{self.pk}"


class WorkOrderSkill(models.Model):
    """A skill the work order requires, with its own minimum level."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="skills")
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="+", verbose_name=_("skill"))
    min_level = models.PositiveSmallIntegerField(
        _("minimum level"), default=1, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )

    class Meta:
        ordering = ["skill__code"]
        verbose_name = _("required skill")
        verbose_name_plural = _("required skills")
        constraints = [
            models.UniqueConstraint(fields=["work_order", "skill"], name="dispatch_workorderskill_unique"),
            models.CheckConstraint(
                condition=Q(min_level__gte=1, min_level__lte=5), name="dispatch_workorderskill_level_1_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.skill.code} ≥ {self.min_level}"


class BookingStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    # The engineer accepted the booking; the context keeps it apart from an acknowledged alert
    # and a confirmed grab order, which read differently in Chinese.
    ACKNOWLEDGED = "acknowledged", pgettext_lazy("booking status", "Acknowledged")
    COMPLETED = "completed", _("Completed")
    RATED = "rated", _("Rated")
    CANCELLED = "cancelled", _("Cancelled")


# Every state but cancelled holds the engineer's time (and the exclusion constraint).
HOLDING_STATUSES = (BookingStatus.BOOKED, BookingStatus.ACKNOWLEDGED, BookingStatus.COMPLETED, BookingStatus.RATED)
# States whose money is still only reserved, not yet charged.
OPEN_STATUSES = (BookingStatus.BOOKED, BookingStatus.ACKNOWLEDGED)
# Finished work: its actual hours are recorded and charged.
DONE_STATUSES = (BookingStatus.COMPLETED, BookingStatus.RATED)

BOOKING_TRANSITIONS = Transitions(
    _("The booking is %(status)s; this is not possible now."),
    {
        "acknowledge": step([BookingStatus.BOOKED], BookingStatus.ACKNOWLEDGED),
        "complete": step([BookingStatus.ACKNOWLEDGED], BookingStatus.COMPLETED),
        "rate": step([BookingStatus.COMPLETED], BookingStatus.RATED),
        "correct_rating": step([BookingStatus.RATED]),
        "cancel": step(OPEN_STATUSES, BookingStatus.CANCELLED),
        "reschedule": step(OPEN_STATUSES, BookingStatus.BOOKED),  # the engineer agrees anew
        "reassign": step(OPEN_STATUSES, BookingStatus.CANCELLED),  # and a new booking is made
    },
)


class Booking(models.Model):
    """One engineer for one half-open interval [start, end) of a work order."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="bookings")
    engineer = models.ForeignKey(
        Engineer, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("engineer")
    )
    budget = models.ForeignKey(Budget, on_delete=models.PROTECT, related_name="+", verbose_name=_("budget"))
    stage = models.CharField(_("presales stage"), max_length=30, choices=PresalesStage.choices)
    activity = models.CharField(_("activity"), max_length=30, choices=Activity.choices)
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    status = models.CharField(_("status"), max_length=20, choices=BookingStatus.choices, default=BookingStatus.BOOKED)
    # Frozen when booked: later rate-card changes never reprice it.
    hours = models.DecimalField(_("hours"), max_digits=8, decimal_places=2)
    hourly_rate = models.DecimalField(_("hourly rate"), max_digits=10, decimal_places=2)
    uplift_percent = models.PositiveSmallIntegerField(_("uplift (%)"), default=0)
    cost = models.DecimalField(_("cost"), max_digits=12, decimal_places=2, help_text=_("Reserved when booked"))
    actual_hours = models.DecimalField(_("actual hours"), max_digits=8, decimal_places=2, null=True, blank=True)
    charged = models.DecimalField(_("charged"), max_digits=12, decimal_places=2, null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    booked_at = models.DateTimeField(_("booked at"), default=timezone.now)
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancel_reason = models.CharField(_("cancellation reason"), max_length=200, blank=True)
    objects = BookingQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["start", "id"]
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        indexes = [
            models.Index(fields=["engineer", "end", "start"], name="dispatch_booking_engineer_time"),
            models.Index(fields=["start"], name="dispatch_booking_start"),
        ]
        # The exclusion constraint that forbids overlaps is PostgreSQL-only and lives in
        # migration 0004; SQLite relies on the IMMEDIATE transaction of the service.
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="dispatch_booking_end_after_start"),
            models.CheckConstraint(condition=uplift_bounds_q(), name="dispatch_booking_uplift_0_200"),
            models.CheckConstraint(
                condition=Q(status__in=[choice.value for choice in BookingStatus]), name="dispatch_booking_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.engineer} {self.start:%Y-%m-%d %H:%M}"

    def allows(self, action: str) -> bool:
        """Whether its status allows ``action`` (BOOKING_TRANSITIONS)."""
        return BOOKING_TRANSITIONS.allows(action, self.status)

    @property
    def opportunity(self) -> Opportunity:
        return self.work_order.opportunity

    @property
    def credited_hours(self) -> Decimal | None:
        """The hours the engineer is credited with: an incentive uplift (grab orders) counts too."""
        from dispatch.rules.hours import credited_hours  # the rule module reads this one's statuses

        return credited_hours(self)


class Rating(models.Model):
    """The rep's rating of one completed booking; corrections are kept in its history."""

    booking = models.OneToOneField(Booking, on_delete=models.PROTECT, related_name="rating")
    score = models.PositiveSmallIntegerField(
        _("score"), validators=[MinValueValidator(SCORE_MIN), MaxValueValidator(SCORE_MAX)]
    )
    comment = models.TextField(_("comment"), blank=True)
    rated_at = models.DateTimeField(_("rated at"), default=timezone.now, db_index=True)  # monitoring windows
    rated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    history = HistoricalRecords()
    # Set before a save, for its django-simple-history record: who made the change and why.
    _history_user: "AbstractBaseUser | None"
    _change_reason: str

    class Meta:
        ordering = ["-rated_at"]
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints = [
            models.CheckConstraint(condition=valid_score_q(), name="dispatch_rating_score_1_5"),
        ]

    def __str__(self) -> str:
        return f"{self.booking_id}: {self.score}"


class EscalationStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")


ESCALATION_TRANSITIONS = Transitions(
    _("The escalation is %(status)s; it was already decided."),
    {
        "approve": step([EscalationStatus.REQUESTED], EscalationStatus.APPROVED),
        "decline": step([EscalationStatus.REQUESTED], EscalationStatus.DECLINED),
    },
)


class Escalation(models.Model):
    """A rep's request for delivery-centre help on a class C/D/E opportunity.

    Approved by the manager of the opportunity's region, it makes the solution's delivery-centre
    engineers eligible for that opportunity until ``valid_until``.
    """

    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.PROTECT, related_name="escalations", verbose_name=_("opportunity")
    )
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=20, choices=EscalationStatus.choices, default=EscalationStatus.REQUESTED
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decision_note = models.CharField(_("decision note"), max_length=500, blank=True)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    objects = EscalationQuerySet.as_manager()
    history = HistoricalRecords()
    # Set before a save, for its django-simple-history record: who made the change and why.
    _history_user: "AbstractBaseUser | None"
    _change_reason: str

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        constraints = [
            # One pending request per opportunity: a second would only split the manager's answer.
            models.UniqueConstraint(
                fields=["opportunity"],
                condition=Q(status="requested"),
                name="dispatch_escalation_one_pending",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["requested", "approved", "declined"]), name="dispatch_escalation_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(valid_until__isnull=False),
                name="dispatch_escalation_approved_has_period",
            ),
        ]

    def __str__(self) -> str:
        return f"ESC-{self.pk} {self.opportunity}"

    def allows(self, action: str) -> bool:
        """Whether its status allows ``action`` (ESCALATION_TRANSITIONS)."""
        return ESCALATION_TRANSITIONS.allows(action, self.status)


class HotlineUrgency(models.TextChoices):
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent")


class HotlineStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ANSWERED = "answered", _("Answered")


HOTLINE_TRANSITIONS = Transitions(
    _("This hotline request was already answered."),
    {"answer": step([HotlineStatus.OPEN], HotlineStatus.ANSWERED)},
)


class HotlineRequest(models.Model):
    """Remote hotline support (远程热线): a rep's question on an opportunity, answered by the
    on-duty engineer of the solution's delivery centre. It is a work order (volume, response
    time in monitoring: answered_at − the work order's created_at) without a booking."""

    work_order = models.OneToOneField(WorkOrder, on_delete=models.PROTECT, related_name="hotline")
    solution = models.ForeignKey(Solution, on_delete=models.PROTECT, related_name="+", verbose_name=_("solution"))
    question = models.TextField(_("question"))
    urgency = models.CharField(_("urgency"), max_length=10, choices=HotlineUrgency.choices)
    status = models.CharField(_("status"), max_length=10, choices=HotlineStatus.choices, default=HotlineStatus.OPEN)
    engineer = models.ForeignKey(
        Engineer, on_delete=models.PROTECT, related_name="hotline_requests", verbose_name=_("engineer")
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    objects = HotlineRequestQuerySet.as_manager()
    history = HistoricalRecords()
    # Set before a save, for its django-simple-history record: who made the change and why.
    _history_user: "AbstractBaseUser | None"
    _change_reason: str

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("hotline request")
        verbose_name_plural = _("hotline requests")
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", answered_at__isnull=True) | Q(status="answered", answered_at__isnull=False),
                name="dispatch_hotline_answered_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"HL-{self.pk}"

    def allows(self, action: str) -> bool:
        """Whether its status allows ``action`` (HOTLINE_TRANSITIONS)."""
        return HOTLINE_TRANSITIONS.allows(action, self.status)

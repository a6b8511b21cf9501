"""Real-time control (实时管控): cell snapshots per region × solution × window, surge alerts, plans."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from dispatch.rules.utilisation import utilisation
from monitoring.querysets import RegionScopedQuerySet
from presales.core.transitions import Transitions, step
from presales.models import Region, Solution

RATIO = {"max_digits": 6, "decimal_places": 4}


class MonitoringPolicy(models.Model):
    """The thresholds of real-time control; one row, edited by admins, audited."""

    window_days = models.PositiveSmallIntegerField(_("window (days)"), default=7, validators=[MinValueValidator(1)])
    baseline_windows = models.PositiveSmallIntegerField(
        _("baseline windows"), default=4, validators=[MinValueValidator(1)]
    )
    response_limit_hours = models.PositiveSmallIntegerField(_("response limit (hours)"), default=4)
    surge_factor = models.DecimalField(_("surge factor"), default=Decimal("1.50"), **RATIO)
    surge_min_increase = models.PositiveSmallIntegerField(_("surge minimum increase"), default=3)
    # A cell is severe when this share of its work orders is severely delayed, slight when this
    # share is delayed at all; below both it is normal.
    severe_ratio = models.DecimalField(_("severe status: severe-delay ratio"), default=Decimal("0.2000"), **RATIO)
    slight_ratio = models.DecimalField(_("slight status: delay ratio"), default=Decimal("0.2000"), **RATIO)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("monitoring policy")
        verbose_name_plural = _("monitoring policy")

    def __str__(self) -> str:
        return str(_("Monitoring policy"))

    @classmethod
    def current(cls) -> "MonitoringPolicy":
        policy, _created = cls.objects.get_or_create(pk=1)
        return policy


class CellStatus(models.TextChoices):
    NORMAL = "normal", _("Normal")
    SLIGHT = "slight", _("Slight")
    SEVERE = "severe", _("Severe")


class CellSnapshot(models.Model):
    """The figures of one region × solution over the half-open window [window_start, window_end).

    Written as an upsert keyed on (region, solution, window_end): recomputing gives the same row.
    """

    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+", verbose_name=_("region"))
    solution = models.ForeignKey(Solution, on_delete=models.CASCADE, related_name="+", verbose_name=_("solution"))
    window_start = models.DateTimeField(_("window start"))
    window_end = models.DateTimeField(_("window end"), db_index=True)
    work_orders = models.PositiveIntegerField(_("work orders"), default=0)
    delayed_slight = models.PositiveIntegerField(_("slight delays"), default=0)
    delayed_severe = models.PositiveIntegerField(_("severe delays"), default=0)
    responded_in_time = models.PositiveIntegerField(_("answered in time"), default=0)
    ratings = models.PositiveIntegerField(_("ratings"), default=0)
    rating_sum = models.PositiveIntegerField(_("sum of ratings"), default=0)
    bad_reviews = models.PositiveIntegerField(_("bad reviews"), default=0)
    effective_hours = models.DecimalField(_("effective hours"), max_digits=12, decimal_places=2, default=0)
    available_hours = models.DecimalField(_("available hours"), max_digits=12, decimal_places=2, default=0)
    # Demand waiting at window_end (monitoring.figures._count_waiting), not window counts.
    open_work_orders = models.PositiveIntegerField(_("open work orders"), default=0)
    unfilled_work_orders = models.PositiveIntegerField(_("unfilled work orders"), default=0)
    status = models.CharField(_("status"), max_length=10, choices=CellStatus.choices, default=CellStatus.NORMAL)
    computed_at = models.DateTimeField(_("computed at"))

    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        ordering = ["region__code", "solution__code", "-window_end"]
        verbose_name = _("cell snapshot")
        verbose_name_plural = _("cell snapshots")
        constraints = [
            models.UniqueConstraint(fields=["region", "solution", "window_end"], name="monitoring_cell_one_per_window")
        ]

    def __str__(self) -> str:
        return f"{self.region.code}×{self.solution.code} @ {self.window_end:%Y-%m-%d %H:%M}"

    @staticmethod
    def _ratio(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
        return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001")) if whole else None

    @property
    def delayed(self) -> int:
        return self.delayed_slight + self.delayed_severe

    @property
    def delayed_ratio(self) -> Decimal | None:
        return self._ratio(self.delayed, self.work_orders)

    @property
    def timely_response_rate(self) -> Decimal | None:
        return self._ratio(self.responded_in_time, self.work_orders)

    @property
    def satisfaction_avg(self) -> Decimal | None:
        return (Decimal(self.rating_sum) / self.ratings).quantize(Decimal("0.01")) if self.ratings else None

    @property
    def bad_review_ratio(self) -> Decimal | None:
        return self._ratio(self.bad_reviews, self.ratings)

    @property
    def utilisation(self) -> Decimal | None:
        return utilisation(self.effective_hours, self.available_hours)


class UtilisationSnapshot(models.Model):
    """One engineer's utilisation (UT) over [window_start, window_end), written by the recompute
    with the cells: the dashboard's UT table is then a read, not a calendar computation per
    request. Upserted on (engineer, window_end) like the cells."""

    engineer = models.ForeignKey(
        "dispatch.Engineer", on_delete=models.CASCADE, related_name="+", verbose_name=_("engineer")
    )
    # The engineer's region when computed: a dashboard reads its regions' rows by index.
    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+", verbose_name=_("region"))
    window_start = models.DateTimeField(_("window start"))
    window_end = models.DateTimeField(_("window end"), db_index=True)
    effective_hours = models.DecimalField(_("effective hours"), max_digits=9, decimal_places=2, default=0)
    available_hours = models.DecimalField(_("available hours"), max_digits=9, decimal_places=2, default=0)

    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("utilisation snapshot")
        verbose_name_plural = _("utilisation snapshots")
        constraints = [
            models.UniqueConstraint(fields=["engineer", "window_end"], name="monitoring_utilisation_one_per_window")
        ]
        indexes = [models.Index(fields=["region", "window_end"], name="monitoring_ut_region_window")]

    def __str__(self) -> str:
        return f"{self.engineer_id} @ {self.window_end:%Y-%m-%d %H:%M}"

    @property
    def utilisation(self) -> Decimal | None:
        return utilisation(self.effective_hours, self.available_hours)


class AlertKind(models.TextChoices):
    DELAY_SURGE = "delay_surge", _("Delay surge")
    VOLUME_SURGE = "volume_surge", _("Volume surge")
    BAD_REVIEW_SURGE = "bad_review_surge", _("Bad-review surge")


class ContingencyPlan(models.Model):
    """预案: what to do when a kind of surge happens; editable by admins."""

    kind = models.CharField(_("alert kind"), max_length=20, choices=AlertKind.choices, unique=True)
    code = models.CharField(_("code"), max_length=20, unique=True)
    title = models.CharField(_("title"), max_length=200)
    steps = models.TextField(_("steps"), help_text=_("One step per line"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("contingency plan")
        verbose_name_plural = _("contingency plans")

    def __str__(self) -> str:
        return f"{self.code}: {self.title}"

    @property
    def step_list(self) -> list[str]:
        return [line.strip() for line in self.steps.splitlines() if line.strip()]


class AlertStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", pgettext_lazy("alert status", "Acknowledged")
    RESOLVED = "resolved", _("Resolved")


ACTIVE_ALERT_STATUSES = (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED)

ALERT_TRANSITIONS = Transitions(
    None,
    {
        "acknowledge": step([AlertStatus.OPEN], AlertStatus.ACKNOWLEDGED, _("Only an open alert can be acknowledged.")),
        "resolve": step(ACTIVE_ALERT_STATUSES, AlertStatus.RESOLVED, _("This alert is already resolved.")),
    },
)


class Alert(models.Model):
    """A surge in one cell. At most one active alert per cell and kind (a partial unique index)."""

    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+", verbose_name=_("region"))
    solution = models.ForeignKey(Solution, on_delete=models.CASCADE, related_name="+", verbose_name=_("solution"))
    kind = models.CharField(_("kind"), max_length=20, choices=AlertKind.choices)
    status = models.CharField(_("status"), max_length=20, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    current = models.PositiveIntegerField(_("current"))
    baseline = models.DecimalField(_("baseline"), max_digits=10, decimal_places=2)
    window_end = models.DateTimeField(_("window end"), help_text=_("The latest window judged"))
    opened_at = models.DateTimeField(_("opened at"))
    # The condition no longer holds in the latest window (the alert stays until resolved).
    cleared_at = models.DateTimeField(_("cleared at"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "solution", "kind"],
                condition=Q(status__in=["open", "acknowledged"]),
                name="monitoring_alert_one_active_per_cell_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.region.code}×{self.solution.code}"

    def allows(self, action: str) -> bool:
        """Whether its status allows ``action`` (ALERT_TRANSITIONS)."""
        return ALERT_TRANSITIONS.allows(action, self.status)

    @property
    def cleared(self) -> bool:
        return self.cleared_at is not None

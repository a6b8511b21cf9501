"""Budget policy and its inputs: sales targets per tier and attainment, per rep × quarter.

Rank is deliberately absent: a budget is derived from customers, targets and attainment only.
"""

from decimal import Decimal

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q, Value
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from budgeting.querysets import BudgetQuerySet
from presales.choices import CustomerTier
from presales.periods import validate_quarter

RATIO_FIELD = {"max_digits": 7, "decimal_places": 4, "validators": [MinValueValidator(Decimal("0"))]}


class BudgetPolicy(models.Model):
    """The organisation's budget rule; one row, edited by admins, audited by its history."""

    tier_ratio_a = models.DecimalField(_("tier A ratio"), default=Decimal("0.0150"), **RATIO_FIELD)
    tier_ratio_b = models.DecimalField(_("tier B ratio"), default=Decimal("0.0125"), **RATIO_FIELD)
    tier_ratio_c = models.DecimalField(_("tier C ratio"), default=Decimal("0.0100"), **RATIO_FIELD)
    tier_ratio_d = models.DecimalField(_("tier D ratio"), default=Decimal("0.0050"), **RATIO_FIELD)
    attainment_min = models.DecimalField(_("attainment factor minimum"), default=Decimal("0.50"), **RATIO_FIELD)
    attainment_max = models.DecimalField(_("attainment factor maximum"), default=Decimal("1.20"), **RATIO_FIELD)
    history = HistoricalRecords()
    # Set before a save, for its django-simple-history record: who made the change.
    _history_user: "AbstractBaseUser | None"

    class Meta:
        verbose_name = _("budget policy")
        verbose_name_plural = _("budget policy")
        constraints = [
            models.CheckConstraint(
                condition=Q(attainment_max__gte=F("attainment_min")), name="budgeting_budgetpolicy_clamp_ordered"
            ),
        ]

    def __str__(self) -> str:
        return str(_("Budget policy"))

    @classmethod
    def current(cls) -> "BudgetPolicy":
        policy, _created = cls.objects.get_or_create(pk=1)
        return policy

    def tier_ratio(self, tier: str) -> Decimal:
        return getattr(self, f"tier_ratio_{tier.lower()}")


class SalesTarget(models.Model):
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sales_targets", verbose_name=_("sales rep")
    )
    period = models.CharField(_("quarter"), max_length=6, validators=[validate_quarter])
    tier = models.CharField(_("customer tier"), max_length=1, choices=CustomerTier.choices)
    target = models.DecimalField(
        _("target"), max_digits=16, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["period", "rep", "tier"]
        verbose_name = _("sales target")
        verbose_name_plural = _("sales targets")
        constraints = [
            models.UniqueConstraint(fields=["rep", "period", "tier"], name="budgeting_salestarget_unique_tier"),
            models.CheckConstraint(condition=Q(target__gte=0), name="budgeting_salestarget_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.rep} {self.period} {self.tier}: {self.target}"


class Attainment(models.Model):
    """A rep's attainment of their target in a quarter, as a fraction (1.00 = 100 %)."""

    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attainments", verbose_name=_("sales rep")
    )
    period = models.CharField(_("quarter"), max_length=6, validators=[validate_quarter])
    attainment = models.DecimalField(
        _("attainment"), max_digits=7, decimal_places=4, validators=[MinValueValidator(Decimal("0"))]
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["period", "rep"]
        verbose_name = _("attainment")
        verbose_name_plural = _("attainment")
        constraints = [
            models.UniqueConstraint(fields=["rep", "period"], name="budgeting_attainment_unique_period"),
            models.CheckConstraint(condition=Q(attainment__gte=0), name="budgeting_attainment_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.rep} {self.period}: {self.attainment}"


class LedgerKind(models.TextChoices):
    ALLOCATE = "allocate", _("Allocation")
    RESERVE = "reserve", _("Reservation")
    RELEASE = "release", _("Release")
    CHARGE = "charge", _("Charge")
    ADJUST = "adjust", _("Adjustment")


MONEY_FIELD = {"max_digits": 16, "decimal_places": 2}
HALF_CENT = Value(Decimal("0.005"))


class Budget(models.Model):
    """A rep's presales budget for one quarter.

    The figures are kept in step with the ledger in the same transaction (the ledger is the
    record; the columns let the database check the rule and let pages read in O(1)).
    ``overrun`` is the part of completion charges (or allocation cuts) that went beyond what
    remained: the only way ``remaining`` may be negative, and always flagged.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="budgets", verbose_name=_("sales rep")
    )
    period = models.CharField(_("quarter"), max_length=6, validators=[validate_quarter])
    allocated = models.DecimalField(_("allocated"), default=Decimal("0.00"), **MONEY_FIELD)
    adjustments = models.DecimalField(_("adjustments"), default=Decimal("0.00"), **MONEY_FIELD)
    reserved = models.DecimalField(_("reserved"), default=Decimal("0.00"), **MONEY_FIELD)
    spent = models.DecimalField(_("spent"), default=Decimal("0.00"), **MONEY_FIELD)
    overrun = models.DecimalField(_("overrun"), default=Decimal("0.00"), **MONEY_FIELD)
    basis = models.JSONField(_("basis"), default=dict, help_text=_("How the allocation was computed."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = BudgetQuerySet.as_manager()

    class Meta:
        ordering = ["-period", "owner__display_name"]
        verbose_name = _("budget")
        verbose_name_plural = _("budgets")
        constraints = [
            models.UniqueConstraint(fields=["owner", "period"], name="budgeting_budget_unique_period"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="budgeting_budget_reserved_non_negative"),
            models.CheckConstraint(condition=Q(spent__gte=0), name="budgeting_budget_spent_non_negative"),
            models.CheckConstraint(condition=Q(overrun__gte=0), name="budgeting_budget_overrun_non_negative"),
            models.CheckConstraint(
                # Half a cent of slack: SQLite evaluates this in floating point, and every
                # real amount is a whole number of cents, so no overdraw fits inside it.
                condition=Q(
                    allocated__gte=F("reserved") + F("spent") - F("adjustments") - F("overrun") - HALF_CENT,
                ),
                name="budgeting_budget_never_overdrawn",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.owner} {self.period}"

    @property
    def remaining(self) -> Decimal:
        return self.allocated + self.adjustments - self.reserved - self.spent


class LedgerEntryQuerySet(models.QuerySet):
    """Lines are never changed or removed; the database refuses it too (a trigger)."""

    def update(self, **kwargs):
        raise TypeError("budget ledger lines are append-only")

    def delete(self):
        raise TypeError("budget ledger lines are append-only")


class LedgerEntry(models.Model):
    """One append-only line. Corrections are new, reversing lines; never edits.

    ``booking_id`` is a plain reference: budgeting knows nothing else of bookings.
    """

    budget = models.ForeignKey(Budget, on_delete=models.PROTECT, related_name="entries", verbose_name=_("budget"))
    at = models.DateTimeField(_("at"), db_index=True)
    kind = models.CharField(_("kind"), max_length=10, choices=LedgerKind.choices)
    amount = models.DecimalField(_("amount"), **MONEY_FIELD)
    booking_id = models.PositiveBigIntegerField(_("booking"), null=True, blank=True, db_index=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    overrun = models.DecimalField(
        _("overrun"),
        default=Decimal("0.00"),
        help_text=_("Part of this line beyond what remained (flagged)."),
        **MONEY_FIELD,
    )

    objects = LedgerEntryQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=LedgerKind.values), name="budgeting_ledgerentry_known_kind"),
            models.CheckConstraint(
                condition=~Q(kind__in=[LedgerKind.RESERVE, LedgerKind.RELEASE, LedgerKind.CHARGE]) | Q(amount__gt=0),
                name="budgeting_ledgerentry_movement_positive",
            ),
            models.CheckConstraint(
                condition=~Q(kind=LedgerKind.ADJUST) | ~Q(reason=""), name="budgeting_ledgerentry_adjust_has_reason"
            ),
            models.CheckConstraint(condition=Q(overrun__gte=0), name="budgeting_ledgerentry_overrun_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.budget} {self.kind} {self.amount}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("budget ledger lines are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("budget ledger lines are append-only")

    @property
    def flagged(self) -> bool:
        return self.overrun > 0

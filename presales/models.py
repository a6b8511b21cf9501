"""The shared organisation: regions, solutions, skills, the rate card, customers,
opportunities, and the people with their roles."""

import uuid
from decimal import Decimal

from django.contrib.auth.models import AbstractUser
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from presales.choices import CustomerTier, PresalesStage, ProjectClass, Role
from presales.querysets import OpportunityQuerySet

code_validator = RegexValidator(r"^[A-Za-z0-9_.-]+$", _("Use letters, digits, '-', '_' or '.' only."))


class CodedModel(models.Model):
    """Reference data addressed by a short, stable code (filters and the API use it)."""

    code = models.CharField(_("code"), max_length=50, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        abstract = True
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Region(CodedModel):
    history = HistoricalRecords()

    class Meta(CodedModel.Meta):
        verbose_name = _("region")
        verbose_name_plural = _("regions")


class Solution(CodedModel):
    slight_delay_hours = models.PositiveIntegerField(
        _("slight-delay limit (hours)"),
        default=48,
        help_text=_("Lateness up to this many hours is a slight delay; beyond it, severe."),
    )
    history = HistoricalRecords()

    class Meta(CodedModel.Meta):
        verbose_name = _("solution")
        verbose_name_plural = _("solutions")


class Skill(CodedModel):
    history = HistoricalRecords()

    class Meta(CodedModel.Meta):
        verbose_name = _("skill")
        verbose_name_plural = _("skills")


class Rate(models.Model):
    """The rate card: an hourly rate per resource type × grade.

    Bookings freeze the rate they were made at, so editing a rate never reprices history.
    """

    resource_type = models.CharField(_("resource type"), max_length=50, validators=[code_validator])
    grade = models.CharField(_("grade"), max_length=20, validators=[code_validator])
    hourly_rate = models.DecimalField(
        _("hourly rate"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["resource_type", "grade"]
        verbose_name = _("rate")
        verbose_name_plural = _("rate card")
        constraints = [
            models.UniqueConstraint(fields=["resource_type", "grade"], name="presales_rate_unique_type_grade"),
            models.CheckConstraint(condition=Q(hourly_rate__gte=0), name="presales_rate_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.resource_type}/{self.grade}: {self.hourly_rate}"


class User(AbstractUser):
    display_name = models.CharField(_("display name"), max_length=150, blank=True)
    rank = models.CharField(
        _("rank"),
        max_length=100,
        blank=True,
        help_text=_("Stored for the organisation chart only; never used for budgets."),
    )
    regions = models.ManyToManyField(Region, blank=True, related_name="users", verbose_name=_("regions"))
    history = HistoricalRecords(m2m_fields=[regions])

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @property
    def role_codes(self) -> frozenset[str]:
        """The user's roles, read once per instance (pages and permissions ask often)."""
        cached = getattr(self, "_role_codes", None)
        if cached is None:
            cached = frozenset(self.role_assignments.values_list("role", flat=True))
            self._role_codes = cached
        return cached

    def has_role(self, *roles: str) -> bool:
        return bool(self.role_codes.intersection(roles))

    @property
    def region_codes(self) -> list[str]:
        return sorted(self.regions.values_list("code", flat=True))


class RoleAssignment(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="presales_roleassignment_unique_role"),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="presales_roleassignment_known_role"),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_role_display()}"


class Customer(models.Model):
    key = models.CharField(
        _("import key"),
        max_length=100,
        unique=True,
        null=True,
        blank=True,
        help_text=_("The customer's key in an imported scenario file."),
    )
    name = models.CharField(_("name"), max_length=200)
    tier = models.CharField(_("tier"), max_length=1, choices=CustomerTier.choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="customers", verbose_name=_("region"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [
            models.CheckConstraint(condition=Q(tier__in=CustomerTier.values), name="presales_customer_known_tier"),
        ]

    def __str__(self) -> str:
        return self.name


class Opportunity(models.Model):
    key = models.CharField(
        _("import key"),
        max_length=100,
        unique=True,
        null=True,
        blank=True,
        help_text=_("The opportunity's key in an imported scenario file."),
    )
    name = models.CharField(_("name"), max_length=200)
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="opportunities", verbose_name=_("customer")
    )
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="opportunities", verbose_name=_("region"))
    solution = models.ForeignKey(
        Solution, on_delete=models.PROTECT, related_name="opportunities", verbose_name=_("solution")
    )
    project_class = models.CharField(_("project class"), max_length=1, choices=ProjectClass.choices)
    stage = models.CharField(
        _("presales stage"), max_length=30, choices=PresalesStage.choices, default=PresalesStage.QUALIFICATION
    )
    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="opportunities", verbose_name=_("owner"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    objects = OpportunityQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        constraints = [
            models.CheckConstraint(
                condition=Q(project_class__in=ProjectClass.values), name="presales_opportunity_known_class"
            ),
            models.CheckConstraint(
                condition=Q(stage__in=PresalesStage.values), name="presales_opportunity_known_stage"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ScenarioImport(models.Model):
    """One loaded scenario file; the checksum makes loading the same file twice a no-op."""

    name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64, unique=True)
    loaded_at = models.DateTimeField(auto_now_add=True)
    loaded_by = models.CharField(max_length=150, blank=True)
    summary = models.JSONField(default=dict)

    class Meta:
        ordering = ["-loaded_at"]
        verbose_name = _("scenario import")
        verbose_name_plural = _("scenario imports")

    def __str__(self) -> str:
        return f"{self.name} ({self.loaded_at:%Y-%m-%d %H:%M})"


class IdempotencyRecord(models.Model):
    """The first response to a create request sent with an ``Idempotency-Key`` header."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    fingerprint = models.CharField(max_length=64, help_text="sha256 of method, path and body")
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="presales_idempotencyrecord_unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"


class OutboxTask(models.Model):
    """A task call written in the same transaction as the change it reports (an outbox).

    Published to the broker after the commit and deleted once published; one the broker
    refused (Redis down) stays here until ``presales.core.outbox.outbox_drain`` publishes it, so a
    committed change never loses its email or recompute, and a rolled-back one never sends.
    """

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False, help_text="the Celery task id")
    task = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    countdown = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("queued task")
        verbose_name_plural = _("queued tasks")

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.args)}"


class SentMail(models.Model):
    """An email a task sent, keyed by the task id: a task redelivered after its worker was
    killed (or republished from the outbox) skips the messages it already sent."""

    task_id = models.CharField(max_length=255)
    recipients = models.CharField(max_length=1000, help_text="the message's addresses, sorted, comma-separated")
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["task_id", "recipients"], name="presales_sentmail_unique_task_recipients"),
        ]

    def __str__(self) -> str:
        return f"{self.task_id} → {self.recipients}"

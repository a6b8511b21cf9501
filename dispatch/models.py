"""Engineers: profile, solutions and skills, working hours and time off."""

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from presales.models import Region, Skill, Solution, code_validator


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone: %(tz)s"), params={"tz": value}, code="invalid")


class Engineer(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="engineer", verbose_name=_("user")
    )
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="engineers", verbose_name=_("region"))
    home_office = models.CharField(_("home office"), max_length=100, blank=True)
    resource_type = models.CharField(_("resource type"), max_length=50, validators=[code_validator])
    grade = models.CharField(_("grade"), max_length=20, validators=[code_validator])
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Shanghai", validators=[validate_time_zone]
    )
    solutions = models.ManyToManyField(Solution, related_name="engineers", blank=True, verbose_name=_("solutions"))
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords(m2m_fields=[solutions])

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
    """One working interval on an ISO weekday (1 = Monday), in the engineer's local time."""

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
        constraints = [
            models.CheckConstraint(
                condition=Q(weekday__gte=1, weekday__lte=7), name="dispatch_workinghours_iso_weekday"
            ),
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="dispatch_workinghours_end_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.weekday} {self.start:%H:%M}–{self.end:%H:%M}"


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

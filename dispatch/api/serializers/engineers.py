"""Serializers of the engineer search and schedules. Input serializers check shape only; the services hold the rules."""

import datetime as dt

from django.utils.translation import gettext as _
from rest_framework import serializers

from dispatch.models import Engineer
from dispatch.tiered.eligibility import REASON_LABELS
from presales.api.fields import AwareQueryDateTimeField

MAX_SCHEDULE_DAYS = 62
SCORE_DIGITS = 3


class EngineerSkillSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    level = serializers.IntegerField(read_only=True)


class MatchSerializer(serializers.Serializer):
    """The parts of the match score, each 0–1; match_score = 40·skill + 30·rating + 15·region + 15·cost."""

    skill = serializers.FloatField(source="skill_fit")
    rating = serializers.FloatField(source="rating_fit")
    region = serializers.FloatField(source="region_fit")
    cost = serializers.FloatField(source="cost_fit")

    def to_representation(self, instance):
        return {key: round(value, SCORE_DIGITS) for key, value in super().to_representation(instance).items()}


class EngineerSerializer(serializers.ModelSerializer):
    """An engineer as the search returns them: annotated by dispatch.selectors.engineers.engineer_search,
    loaded by dispatch.selectors.engineers.engineers_for_display."""

    name = serializers.CharField(read_only=True)
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)
    hourly_rate = serializers.DecimalField(
        max_digits=10, decimal_places=2, read_only=True, allow_null=True, help_text="From the rate card."
    )
    solutions = serializers.ListField(child=serializers.CharField(), source="solution_codes", read_only=True)
    skills = EngineerSkillSerializer(source="skill_list", many=True, read_only=True)
    rating_avg = serializers.DecimalField(max_digits=3, decimal_places=2, read_only=True, allow_null=True)
    match_score = serializers.FloatField(read_only=True, help_text="0–100; see match for its parts.")
    match = MatchSerializer(source="*", read_only=True)
    delivery_centre = serializers.SlugRelatedField(
        slug_field="name", read_only=True, allow_null=True, help_text="None: a local-office engineer."
    )
    eligible = serializers.SerializerMethodField(
        help_text="Tiered support, for the opportunity searched for; null without one."
    )
    eligibility = serializers.SerializerMethodField(
        help_text="local, delivery_centre, escalated (eligible); escalation_required, other_solution (not)."
    )
    eligibility_reason = serializers.SerializerMethodField(help_text="The eligibility as a sentence.")

    class Meta:
        model = Engineer
        fields = [
            "id",
            "name",
            "region",
            "home_office",
            "resource_type",
            "grade",
            "time_zone",
            "hourly_rate",
            "solutions",
            "skills",
            "rating_avg",
            "rating_count",
            "match_score",
            "match",
            "delivery_centre",
            "eligible",
            "eligibility",
            "eligibility_reason",
        ]
        read_only_fields = fields

    def to_representation(self, engineer) -> dict:
        """The fields above, written out: a page is 50 engineers with some 25 values each, where
        DRF's field-by-field walk is a visible share of a search request (bench/README.md).
        ``test_search_items_are_what_the_declared_fields_give`` holds the two equal."""
        decimal = self.fields["hourly_rate"].to_representation
        rating_avg = engineer.rating_avg
        return {
            "id": engineer.pk,
            "name": engineer.name,
            "region": engineer.region.code,
            "home_office": engineer.home_office,
            "resource_type": engineer.resource_type,
            "grade": engineer.grade,
            "time_zone": engineer.time_zone,
            "hourly_rate": None if engineer.hourly_rate is None else decimal(engineer.hourly_rate),
            "solutions": list(engineer.solution_codes),
            "skills": [{"code": skill["code"], "level": skill["level"]} for skill in engineer.skill_list],
            "rating_avg": None if rating_avg is None else self.fields["rating_avg"].to_representation(rating_avg),
            "rating_count": engineer.rating_count,
            "match_score": float(engineer.match_score),
            "match": {
                part: round(float(getattr(engineer, f"{part}_fit")), SCORE_DIGITS)
                for part in ("skill", "rating", "region", "cost")
            },
            "delivery_centre": engineer.delivery_centre.name if engineer.delivery_centre_id else None,
            "eligible": self.get_eligible(engineer),
            "eligibility": self.get_eligibility(engineer),
            "eligibility_reason": self.get_eligibility_reason(engineer),
        }

    def get_eligible(self, engineer) -> bool | None:
        return getattr(engineer, "eligible", None)

    def get_eligibility(self, engineer) -> str | None:
        return getattr(engineer, "eligibility", None)

    def get_eligibility_reason(self, engineer) -> str | None:
        code = getattr(engineer, "eligibility", None)
        return str(REASON_LABELS[code]) if code else None


class ScheduleQuerySerializer(serializers.Serializer):
    """``?from=…&to=…``: both required, with offsets, at most 62 days apart."""

    def get_fields(self):
        # "from" is a Python keyword, so the fields cannot be declared in the class body.
        return {
            "from": AwareQueryDateTimeField(help_text="Start of the range, with its UTC offset."),
            "to": AwareQueryDateTimeField(help_text="End of the range (exclusive), with its UTC offset."),
        }

    def validate(self, attrs):
        start, end = attrs["from"], attrs["to"]
        if end <= start:
            raise serializers.ValidationError({"to": [_("The end must be after the start.")]})
        if end - start > dt.timedelta(days=MAX_SCHEDULE_DAYS):
            message = _("Ask for at most %(days)s days at a time.") % {"days": MAX_SCHEDULE_DAYS}
            raise serializers.ValidationError({"to": [message]})
        return attrs


class IntervalSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()


class BusySerializer(IntervalSerializer):
    kind = serializers.ChoiceField(choices=[("booking", "booking"), ("time_off", "time_off")])
    booking = serializers.IntegerField(
        allow_null=True, help_text="The booking's id when the caller may see it; null otherwise and for time off."
    )


class ScheduleSerializer(serializers.Serializer):
    engineer = serializers.IntegerField()
    name = serializers.CharField()
    time_zone = serializers.CharField()
    start = serializers.DateTimeField(help_text="The range asked for (from).")
    end = serializers.DateTimeField(help_text="The range asked for (to).")
    busy = BusySerializer(many=True)
    free = IntervalSerializer(many=True, help_text="Free time inside working hours only.")

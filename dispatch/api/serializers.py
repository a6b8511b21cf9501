"""Serializers of the dispatch API. Input serializers check shape only; the services hold the rules."""

import datetime as dt

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from dispatch.delay import Delay
from dispatch.models import Booking, BookingStatus, Engineer, WorkOrder
from dispatch.rules.ratings import SCORE_MAX, SCORE_MIN
from dispatch.selectors.bookings import booking_delay
from dispatch.selectors.visibility import sees_only_own_part
from dispatch.tiered.eligibility import REASON_LABELS
from presales.api.fields import AwareDateTimeField, AwareQueryDateTimeField, StrictPrimaryKeyRelatedField
from presales.choices import Activity, PresalesStage
from presales.models import Opportunity
from presales.selectors.opportunities import opportunity_list

MAX_SCHEDULE_DAYS = 62
SCORE_DIGITS = 3


# --- Engineers ------------------------------------------------------------------------------


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


# --- Bookings -------------------------------------------------------------------------------


class RatingSerializer(serializers.Serializer):
    score = serializers.IntegerField()
    comment = serializers.CharField()
    rated_at = serializers.DateTimeField()


MONEY_HELP = "Null when the caller is only the booked engineer: engineers do not see the rep's money."


class BookingSerializer(serializers.ModelSerializer):
    """A booking as booking_list returns it (delay annotations and relations fetched).

    The context's ``request.user`` decides whether money is shown: the booked engineer sees
    their time, not the rep's budget.
    """

    engineer_name = serializers.CharField(source="engineer.name", read_only=True)
    opportunity = serializers.IntegerField(source="work_order.opportunity_id", read_only=True)
    opportunity_name = serializers.CharField(source="work_order.opportunity.name", read_only=True)
    desired_start = serializers.DateTimeField(source="work_order.desired_start", read_only=True)
    hourly_rate = serializers.SerializerMethodField(help_text=MONEY_HELP)
    cost = serializers.SerializerMethodField(help_text=MONEY_HELP)
    charged = serializers.SerializerMethodField(help_text="Set on completion. " + MONEY_HELP)
    delay = serializers.SerializerMethodField()
    rating = serializers.SerializerMethodField()

    class Meta:
        model = Booking
        fields = [
            "id",
            "work_order",
            "engineer",
            "engineer_name",
            "opportunity",
            "opportunity_name",
            "stage",
            "activity",
            "start",
            "end",
            "desired_start",
            "hours",
            "hourly_rate",
            "uplift_percent",
            "cost",
            "status",
            "delay",
            "actual_hours",
            "charged",
            "note",
            "booked_at",
            "acknowledged_at",
            "completed_at",
            "cancelled_at",
            "cancel_reason",
            "rating",
        ]
        read_only_fields = fields

    def _shows_money(self, booking: Booking) -> bool:
        request = self.context.get("request")
        user = getattr(request, "user", None)
        # Whoever else may see a booking (Booking.objects.restrict) directs or pays for its work.
        if user is None or booking.engineer.user_id != user.pk:
            return True
        return not sees_only_own_part(booking.work_order.opportunity, user)

    def _money(self, booking: Booking, value):
        if value is None or not self._shows_money(booking):
            return None
        return f"{value:.2f}"

    @extend_schema_field(serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True))
    def get_hourly_rate(self, booking: Booking) -> str | None:
        return self._money(booking, booking.hourly_rate)

    @extend_schema_field(serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True))
    def get_cost(self, booking: Booking) -> str | None:
        return self._money(booking, booking.cost)

    @extend_schema_field(serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True))
    def get_charged(self, booking: Booking) -> str | None:
        return self._money(booking, booking.charged)

    @extend_schema_field(serializers.ChoiceField(choices=Delay.choices))
    def get_delay(self, booking: Booking) -> str:
        return booking_delay(booking).value

    @extend_schema_field(RatingSerializer(allow_null=True))
    def get_rating(self, booking: Booking) -> dict | None:
        if booking.status != BookingStatus.RATED:  # only rated bookings have one: no query
            return None
        try:
            rating = booking.rating
        except Booking.rating.RelatedObjectDoesNotExist:
            return None
        return RatingSerializer(rating).data


class BookingCreateSerializer(serializers.Serializer):
    """Shape only: who may book what, when, and for how much is booking_create's to decide.

    With ``work_order`` the booking fills it and its opportunity, stage and activity are the
    work order's; without, those three are required and a work order is opened for the booking.
    """

    engineer = StrictPrimaryKeyRelatedField(queryset=Engineer.objects.all())
    # Both scoped to what the caller may see, so another rep's opportunity or work order gets
    # the very answer a nonexistent id gets and its existence does not leak.
    work_order = StrictPrimaryKeyRelatedField(
        queryset=WorkOrder.objects.none(),
        required=False,
        help_text="The work order this booking fills; then opportunity, stage and activity are its own.",
    )
    opportunity = StrictPrimaryKeyRelatedField(
        queryset=Opportunity.objects.none(), required=False, help_text="Required without work_order."
    )
    stage = serializers.ChoiceField(
        choices=PresalesStage.choices, required=False, help_text="Required without work_order."
    )
    activity = serializers.ChoiceField(
        choices=Activity.choices, required=False, help_text="Required without work_order."
    )
    start = AwareDateTimeField()
    end = AwareDateTimeField()
    desired_start = AwareDateTimeField(
        required=False,
        help_text="Without work_order: when the rep needs someone, for the work order opened (default: start). "
        "A work order has its own: refused with work_order.",
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["opportunity"].queryset = opportunity_list(user=request.user)
            self.fields["work_order"].queryset = WorkOrder.objects.restrict(request.user)

    def validate(self, attrs):
        if "work_order" in attrs:
            if "desired_start" in attrs:
                # Silently dropped, the rep would believe the work order's desired start moved.
                message = _("The work order has its own desired start; leave desired_start out.")
                raise serializers.ValidationError({"desired_start": [message]})
            return attrs
        required = self.fields["opportunity"].error_messages["required"]
        missing = {name: [required] for name in ("opportunity", "stage", "activity") if name not in attrs}
        if missing:
            raise serializers.ValidationError(missing)
        return attrs


class ReassignSerializer(serializers.Serializer):
    engineer = StrictPrimaryKeyRelatedField(queryset=Engineer.objects.all())


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200)


class CompleteSerializer(serializers.Serializer):
    actual_hours = serializers.DecimalField(max_digits=6, decimal_places=2)


class RateBookingSerializer(serializers.Serializer):
    score = serializers.IntegerField(min_value=SCORE_MIN, max_value=SCORE_MAX)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class CorrectRatingSerializer(serializers.Serializer):
    score = serializers.IntegerField(min_value=SCORE_MIN, max_value=SCORE_MAX)
    comment = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, help_text="Left out: the comment is kept."
    )


class RescheduleSerializer(serializers.Serializer):
    start = AwareDateTimeField()
    end = AwareDateTimeField()

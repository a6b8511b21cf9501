"""Serializers of the booking life cycle. Input serializers check shape only; the services hold the rules."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from dispatch.delay import Delay
from dispatch.models import Booking, BookingStatus, Engineer, WorkOrder
from dispatch.rules.ratings import SCORE_MAX, SCORE_MIN
from dispatch.selectors.bookings import booking_delay
from dispatch.selectors.visibility import sees_only_own_part
from presales.api.fields import AwareDateTimeField, RestrictedPrimaryKeyRelatedField, StrictPrimaryKeyRelatedField
from presales.choices import Activity, PresalesStage
from presales.models import Opportunity


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
    work_order = RestrictedPrimaryKeyRelatedField(
        queryset=WorkOrder.objects.all(),
        required=False,
        help_text="The work order this booking fills; then opportunity, stage and activity are its own.",
    )
    opportunity = RestrictedPrimaryKeyRelatedField(
        queryset=Opportunity.objects.all(), required=False, help_text="Required without work_order."
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

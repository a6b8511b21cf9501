"""Serializers of the escalation API (tiered support).

Input serializers check shape only; the services hold the rules.
"""

from rest_framework import serializers

from dispatch.models import Escalation
from dispatch.tiered import escalations as escalation_services
from presales.api.fields import RestrictedPrimaryKeyRelatedField
from presales.models import Opportunity


class EscalationSerializer(serializers.ModelSerializer):
    requested_by = serializers.CharField(source="requested_by.name", read_only=True)
    decided_by = serializers.CharField(source="decided_by.name", read_only=True, allow_null=True, default=None)

    class Meta:
        model = Escalation
        fields = [
            "id",
            "opportunity",
            "reason",
            "status",
            "requested_at",
            "requested_by",
            "decided_at",
            "decided_by",
            "decision_note",
            "valid_until",
        ]
        read_only_fields = fields


class EscalationCreateSerializer(serializers.Serializer):
    # Scoped to what the caller may see: another rep's opportunity answers like a missing id.
    opportunity = RestrictedPrimaryKeyRelatedField(queryset=Opportunity.objects.all())
    reason = serializers.CharField(max_length=2000)


class ApproveSerializer(serializers.Serializer):
    days = serializers.IntegerField(
        required=False,
        default=escalation_services.DEFAULT_PERIOD_DAYS,
        # The service's range, here too so that the schema states it.
        min_value=1,
        max_value=escalation_services.MAX_PERIOD_DAYS,
        help_text="How long the delivery centre stays eligible, 1–180 days (default 30).",
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class DeclineSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")

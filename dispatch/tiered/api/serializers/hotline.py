"""Serializers of the remote hotline API (tiered support)."""

from rest_framework import serializers

from dispatch.models import HotlineRequest, HotlineUrgency
from presales.api.fields import CodeRelatedField, RestrictedPrimaryKeyRelatedField
from presales.models import Opportunity, Solution


class HotlineSerializer(serializers.ModelSerializer):
    opportunity = serializers.IntegerField(source="work_order.opportunity_id", read_only=True)
    solution = serializers.SlugRelatedField(slug_field="code", read_only=True)
    engineer_name = serializers.CharField(source="engineer.name", read_only=True)
    response_seconds = serializers.SerializerMethodField(help_text="From the request to the answer; null while open.")

    class Meta:
        model = HotlineRequest
        fields = [
            "id",
            "work_order",
            "opportunity",
            "solution",
            "question",
            "urgency",
            "status",
            "engineer",
            "engineer_name",
            "requested_at",
            "answer",
            "answered_at",
            "response_seconds",
        ]
        read_only_fields = fields

    def get_response_seconds(self, hotline) -> int | None:
        if hotline.answered_at is None:
            return None
        return int((hotline.answered_at - hotline.requested_at).total_seconds())


class HotlineCreateSerializer(serializers.Serializer):
    # Scoped to what the caller may see: another rep's opportunity answers like a missing id.
    opportunity = RestrictedPrimaryKeyRelatedField(queryset=Opportunity.objects.all())
    question = serializers.CharField(max_length=4000)
    urgency = serializers.ChoiceField(choices=HotlineUrgency.choices, default=HotlineUrgency.NORMAL)
    solution = CodeRelatedField(
        queryset=Solution.objects.all(), required=False, help_text="Defaults to the opportunity's."
    )


class AnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(max_length=4000)

from rest_framework import serializers

from budgeting.models import Budget, LedgerEntry


class BudgetSerializer(serializers.ModelSerializer):
    owner_name = serializers.CharField(source="owner.name", read_only=True)
    remaining = serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True)
    basis = serializers.JSONField(read_only=True)

    class Meta:
        model = Budget
        fields = [
            "id",
            "owner",
            "owner_name",
            "period",
            "allocated",
            "adjustments",
            "reserved",
            "spent",
            "remaining",
            "overrun",
            "basis",
        ]
        read_only_fields = fields


class LedgerEntrySerializer(serializers.ModelSerializer):
    booking = serializers.IntegerField(source="booking_id", allow_null=True, read_only=True)
    by_name = serializers.SerializerMethodField()
    flagged = serializers.BooleanField(read_only=True)

    class Meta:
        model = LedgerEntry
        fields = ["id", "at", "kind", "amount", "booking", "by", "by_name", "reason", "overrun", "flagged"]
        read_only_fields = fields

    def get_by_name(self, entry) -> str | None:
        return entry.by.name if entry.by else None


class AdjustRequestSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=16, decimal_places=2)
    reason = serializers.CharField(max_length=500)


class AdjustResponseSerializer(serializers.Serializer):
    entry = LedgerEntrySerializer()
    budget = BudgetSerializer()

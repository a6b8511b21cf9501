"""Serializers of opportunities."""

from rest_framework import serializers

from presales.api.fields import CodeRelatedField, StrictPrimaryKeyRelatedField
from presales.models import Customer, Opportunity, Region, Solution


class OpportunitySerializer(serializers.ModelSerializer):
    customer = serializers.PrimaryKeyRelatedField(read_only=True)
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)
    solution = serializers.SlugRelatedField(slug_field="code", read_only=True)
    owner = serializers.PrimaryKeyRelatedField(read_only=True)
    owner_name = serializers.CharField(source="owner.name", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)

    class Meta:
        model = Opportunity
        fields = [
            "id",
            "name",
            "customer",
            "customer_name",
            "region",
            "solution",
            "project_class",
            "stage",
            "owner",
            "owner_name",
            "created_at",
        ]


class OpportunityCreateSerializer(serializers.Serializer):
    """Shape only: the rules (the rep's own region, …) live in opportunity_create."""

    name = serializers.CharField(max_length=200)
    customer = StrictPrimaryKeyRelatedField(queryset=Customer.objects.all())
    region = CodeRelatedField(queryset=Region.objects.all())
    solution = CodeRelatedField(queryset=Solution.objects.all())
    project_class = serializers.ChoiceField(choices=Opportunity._meta.get_field("project_class").choices)
    stage = serializers.ChoiceField(choices=Opportunity._meta.get_field("stage").choices, required=False)

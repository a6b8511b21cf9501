"""Serializers of customers."""

from rest_framework import serializers

from presales.api.fields import CodeRelatedField
from presales.models import Customer, Region


class CustomerSerializer(serializers.ModelSerializer):
    region = CodeRelatedField(queryset=Region.objects.all())

    class Meta:
        model = Customer
        fields = ["id", "name", "tier", "region"]

"""Serializers of the reference data."""

from rest_framework import serializers

from presales.models import Rate, Region, Skill, Solution


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["code", "name"]


class SolutionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Solution
        fields = ["code", "name", "slight_delay_hours"]


class SkillSerializer(serializers.ModelSerializer):
    class Meta:
        model = Skill
        fields = ["code", "name"]


class RateSerializer(serializers.ModelSerializer):
    class Meta:
        model = Rate
        fields = ["id", "resource_type", "grade", "hourly_rate"]

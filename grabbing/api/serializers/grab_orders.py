"""Serializers of the grab-order API. Input serializers check shape only; the services decide."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from dispatch.models import Engineer, WorkOrder
from dispatch.rules.uplift import MAX_UPLIFT, MIN_UPLIFT
from grabbing.models import GrabOrder, GrabOrderStatus, Invitation, InvitationStatus, Question
from presales.api.fields import (
    AwareDateTimeField,
    CodeRelatedField,
    RestrictedPrimaryKeyRelatedField,
    StrictPrimaryKeyRelatedField,
)
from presales.api.limits import MAX_ITEMS, CodeListField
from presales.choices import Activity, PresalesStage
from presales.models import Opportunity, Region, Skill, Solution


class ScopeSerializer(serializers.Serializer):
    regions = CodeListField(
        queryset=Region.objects.all(),
        required=False,
        help_text=f"Region codes, at most {MAX_ITEMS}; none means every region.",
    )
    grades = serializers.ListField(
        child=serializers.CharField(max_length=20),
        max_length=MAX_ITEMS,
        required=False,
        help_text=f"Grades, at most {MAX_ITEMS}; none means every grade.",
    )


class _GrabOrderTerms(serializers.Serializer):
    """The terms shared by posting and previewing. Shape only; the service fills in the work
    order's defaults and refuses what is missing."""

    # Scoped to what the caller may see: another rep's work order or opportunity answers as a missing id.
    work_order = RestrictedPrimaryKeyRelatedField(
        queryset=WorkOrder.objects.all(),
        required=False,
        help_text="The work order to fill: its requirements and window are the defaults. "
        "Without one a work order is opened for the grab order.",
    )
    opportunity = RestrictedPrimaryKeyRelatedField(
        queryset=Opportunity.objects.all(), required=False, help_text="Required without a work order."
    )
    stage = serializers.ChoiceField(choices=PresalesStage.choices, required=False)
    activity = serializers.ChoiceField(choices=Activity.choices, required=False)
    solution = CodeRelatedField(
        queryset=Solution.objects.all(), required=False, help_text="Defaults to the work order's or opportunity's."
    )
    skills = CodeListField(
        queryset=Skill.objects.all(),
        required=False,
        help_text=f"Skill codes, at most {MAX_ITEMS}. Default: the work order's, each at its own level.",
    )
    min_level = serializers.IntegerField(required=False, allow_null=True, help_text="1–5, for every skill asked.")
    start = AwareDateTimeField(required=False, help_text="Default: the work order's desired start.")
    end = AwareDateTimeField(required=False, help_text="Default: the work order's desired end.")


class GrabOrderCreateSerializer(_GrabOrderTerms):
    """Shape only. Anything else in the body (status, winner, cost …) is ignored."""

    uplift_percent = serializers.IntegerField(help_text=f"Incentive, {MIN_UPLIFT}–{MAX_UPLIFT} percent.")
    scope = ScopeSerializer(required=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)

    def service_arguments(self) -> dict:
        data = dict(self.validated_data)
        scope = data.pop("scope", {}) or {}
        data["scope_regions"] = scope.get("regions", [])
        data["scope_grades"] = scope.get("grades", [])
        return data


class GrabOrderPreviewSerializer(_GrabOrderTerms):
    """The query of a preview: the posting terms, the scope flat (``region``, ``grade`` repeated)."""

    region = CodeListField(queryset=Region.objects.all(), required=False, help_text="Scope: region codes.")
    grade = serializers.ListField(
        child=serializers.CharField(max_length=20), max_length=MAX_ITEMS, required=False, help_text="Scope: grades."
    )

    def service_arguments(self) -> dict:
        data = dict(self.validated_data)
        data["scope_regions"] = data.pop("region", [])
        data["scope_grades"] = data.pop("grade", [])
        return data


class GrabOrderPreviewResultSerializer(serializers.Serializer):
    invited = serializers.IntegerField(help_text="Engineers the grab order would invite now.")


class GrabOrderSerializer(serializers.ModelSerializer):
    opportunity_name = serializers.CharField(source="opportunity.name", read_only=True)
    owner = serializers.CharField(source="opportunity.owner.name", read_only=True)
    solution = serializers.SlugRelatedField(slug_field="code", read_only=True)
    skills = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    scope = serializers.SerializerMethodField()
    hours = serializers.DecimalField(max_digits=8, decimal_places=2, read_only=True)
    credited_hours = serializers.DecimalField(
        max_digits=8, decimal_places=2, read_only=True, help_text="hours × (1 + uplift): what the engineer is credited."
    )
    engineer = serializers.PrimaryKeyRelatedField(
        source="winner", read_only=True, allow_null=True, help_text="The grabbing engineer; null while nobody has."
    )
    engineer_name = serializers.CharField(source="winner.name", read_only=True, allow_null=True, default=None)
    invited = serializers.SerializerMethodField()

    class Meta:
        model = GrabOrder
        fields = [
            "id",
            "work_order",
            "opportunity",
            "opportunity_name",
            "owner",
            "stage",
            "activity",
            "solution",
            "skills",
            "min_level",
            "start",
            "end",
            "hours",
            "uplift_percent",
            "credited_hours",
            "scope",
            "note",
            "status",
            "invited",
            "engineer",
            "engineer_name",
            "booking",
            "posted_at",
            "grabbed_at",
            "confirmed_at",
            "rejected_at",
            "cancelled_at",
            "expired_at",
        ]
        read_only_fields = fields

    @extend_schema_field(ScopeSerializer)
    def get_scope(self, order: GrabOrder) -> dict:
        return {
            "regions": [region.code for region in order.scope_regions.all()],
            "grades": list(order.scope_grades),
        }

    @extend_schema_field(serializers.IntegerField(allow_null=True, help_text="Engineers invited; null when nested."))
    def get_invited(self, order: GrabOrder) -> int | None:
        return getattr(order, "invited", None)


class GrabResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=GrabOrderStatus.choices)
    engineer = serializers.IntegerField(source="winner_id")
    grabbed_at = serializers.DateTimeField()


class InvitationSerializer(serializers.ModelSerializer):
    grab_order = GrabOrderSerializer(read_only=True)
    status = serializers.ChoiceField(choices=InvitationStatus.choices, read_only=True)

    class Meta:
        model = Invitation
        fields = ["id", "grab_order", "status", "invited_at"]
        read_only_fields = fields


class QuestionSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.name", read_only=True)
    engineer_name = serializers.CharField(source="engineer.name", read_only=True)

    class Meta:
        model = Question
        fields = ["id", "engineer", "engineer_name", "author", "text", "created_at"]
        read_only_fields = fields


class QuestionCreateSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=2000)
    engineer = StrictPrimaryKeyRelatedField(
        queryset=Engineer.objects.all(), required=False, help_text="The rep names whose thread they answer."
    )

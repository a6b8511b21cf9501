"""Serializers of signing in and of the caller's own account."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from presales.choices import Role
from presales.core.signin import sign_in_authenticate
from presales.models import User


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)  # the column's length (AbstractUser)
    # Hashing is the costly step of a sign-in: no password longer than any a person types.
    password = serializers.CharField(
        style={"input_type": "password"}, trim_whitespace=False, write_only=True, max_length=1024
    )

    def validate(self, attrs):
        # SignInThrottled passes through is_valid() to the API's handler: 429 with Retry-After.
        user = sign_in_authenticate(
            request=self.context["request"], username=attrs["username"], password=attrs["password"]
        )
        if user is None:
            raise serializers.ValidationError(_("Unable to sign in with these credentials."), code="authorization")
        attrs["user"] = user
        return attrs


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


class MeSerializer(serializers.ModelSerializer):
    display_name = serializers.CharField(source="name")
    roles = serializers.SerializerMethodField()
    regions = serializers.SerializerMethodField()
    engineer = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "display_name", "roles", "regions", "engineer"]

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=Role.choices)))
    def get_roles(self, user) -> list[str]:
        return sorted(user.role_codes)

    def get_regions(self, user) -> list[str]:
        return user.region_codes

    def get_engineer(self, user) -> int | None:
        # The engineer profile lives in dispatch; read through the reverse accessor so that
        # presales does not import an app that depends on it.
        engineer = getattr(user, "engineer", None)
        return engineer.pk if engineer else None

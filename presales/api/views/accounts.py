"""Signing in for a token, and the caller's own account."""

from django.contrib.auth import user_logged_in
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from presales.api.serializers.accounts import MeSerializer, TokenRequestSerializer, TokenSerializer
from presales.api.throttling import AuthThrottle


class TokenView(APIView):
    """Exchange a username and password for an API token."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [AuthThrottle]

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenSerializer})
    def post(self, request):
        data = TokenRequestSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        user = data.validated_data["user"]
        token, _created = Token.objects.get_or_create(user=user)
        user_logged_in.send(sender=user.__class__, request=request, user=user)
        return Response({"token": token.key})


class MeView(generics.GenericAPIView):
    """Who the caller is: roles, regions and their engineer profile, if any."""

    permission_classes = [IsAuthenticated]
    serializer_class = MeSerializer

    def get(self, request):
        return Response(self.get_serializer(request.user).data)

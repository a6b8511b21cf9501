"""Customers."""

from rest_framework import viewsets

from presales.api.permissions import IsAdminOrReadOnly
from presales.api.serializers.customers import CustomerSerializer
from presales.filters import CustomerFilter
from presales.selectors.customers import customer_list


class CustomerViewSet(viewsets.ModelViewSet):
    serializer_class = CustomerSerializer
    permission_classes = [IsAdminOrReadOnly]
    filterset_class = CustomerFilter

    def get_queryset(self):
        return customer_list(user=self.request.user)

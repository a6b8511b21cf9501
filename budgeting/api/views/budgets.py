from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import ListAPIView, get_object_or_404
from rest_framework.response import Response

from budgeting.api.serializers.budgets import (
    AdjustRequestSerializer,
    AdjustResponseSerializer,
    BudgetSerializer,
    LedgerEntrySerializer,
)
from budgeting.filters import BudgetFilter, LedgerFilter
from budgeting.models import LedgerEntry
from budgeting.selectors import budgets as budget_selectors
from budgeting.services.ledger import budget_adjust
from presales.core.idempotency import IDEMPOTENCY_KEY, idempotent


class BudgetViewSet(viewsets.ReadOnlyModelViewSet):
    """Quarterly presales budgets: reps see their own, managers their regions' reps'."""

    serializer_class = BudgetSerializer
    filterset_class = BudgetFilter

    def get_queryset(self):
        return budget_selectors.budget_list(user=self.request.user)

    @extend_schema(
        request=AdjustRequestSerializer,
        responses={201: AdjustResponseSerializer},
        parameters=[IDEMPOTENCY_KEY],
    )
    @action(detail=True, methods=["post"])
    def adjust(self, request, pk=None):
        """A manager of the rep's region adds (positive) or removes (negative) money, with a reason."""
        budget = self.get_object()
        return idempotent(request, lambda: self._adjust(request, budget))

    def _adjust(self, request, budget):
        data = AdjustRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry = budget_adjust(budget=budget, by=request.user, **data.validated_data)
        budget.refresh_from_db()
        body = {
            "entry": LedgerEntrySerializer(entry).data,
            "budget": BudgetSerializer(budget).data,
        }
        return Response(body, status=status.HTTP_201_CREATED)


class BudgetLedgerView(ListAPIView):
    """A budget's ledger lines, oldest first; 404 for a budget the user may not see."""

    serializer_class = LedgerEntrySerializer
    filterset_class = LedgerFilter

    queryset = LedgerEntry.objects.none()  # for the schema; requests use get_queryset()

    def get_queryset(self):
        budget = get_object_or_404(budget_selectors.budget_list(user=self.request.user), pk=self.kwargs["pk"])
        return budget_selectors.ledger_for(budget=budget)

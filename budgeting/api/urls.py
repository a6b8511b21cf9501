from django.urls import path
from rest_framework.routers import SimpleRouter

from budgeting.api.views.budgets import BudgetLedgerView, BudgetViewSet

router = SimpleRouter()
router.register("budgets", BudgetViewSet, basename="budget")
urlpatterns = [
    path("budgets/<int:pk>/ledger/", BudgetLedgerView.as_view(), name="budget-ledger"),
    *router.urls,
]

from django.urls import path
from rest_framework.routers import SimpleRouter

from budgeting.api import views

router = SimpleRouter()
router.register("budgets", views.BudgetViewSet, basename="budget")
urlpatterns = [
    path("budgets/<int:pk>/ledger/", views.BudgetLedgerView.as_view(), name="budget-ledger"),
    *router.urls,
]

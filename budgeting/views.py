from django.shortcuts import render

from budgeting.selectors import sales_targets_by_quarter
from presales.choices import CustomerTier, Role
from presales.decorators import role_required


@role_required(Role.SALES)
def mine(request):
    context = {"tiers": CustomerTier.choices, "rows": sales_targets_by_quarter(rep=request.user)}
    return render(request, "budgeting/mine.html", context)

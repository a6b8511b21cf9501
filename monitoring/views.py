from django.shortcuts import render

from monitoring.selectors import opportunity_grid
from presales.choices import Role
from presales.decorators import role_required


@role_required(Role.MANAGER, Role.LEAD, Role.ADMIN)
def dashboard(request):
    return render(request, "monitoring/dashboard.html", {"grid": opportunity_grid(user=request.user)})

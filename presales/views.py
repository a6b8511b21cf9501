from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as ModelValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from presales import access
from presales.decorators import role_required
from presales.exceptions import ApplicationError
from presales.forms import OpportunityForm, SignInForm
from presales.navigation import home_url_for
from presales.selectors.opportunities import opportunity_list
from presales.services.opportunities import opportunity_create

PAGE_SIZE = 50


@login_required
def home(request):
    return redirect(home_url_for(request.user))


def healthz(request):
    """Liveness for load balancers: the process answers and the database does too."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


class SignInView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True
    form_class = SignInForm

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.throttled is not None:
            response.status_code = 429
            response["Retry-After"] = str(form.throttled.retry_after)
        return response


@login_required
def no_role(request):
    return render(request, "presales/no_role.html")


@role_required(*access.OPPORTUNITY_ROLES)
def opportunities(request):
    can_create = access.is_rep(request.user)
    form = None
    if can_create:
        form = OpportunityForm(request.POST or None, user=request.user)
    if request.method == "POST":
        if not can_create:
            raise PermissionDenied
        if form.is_valid() and _create_opportunity(request, form):
            return redirect("presales:opportunities")
    page = Paginator(opportunity_list(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "presales/opportunities.html", {"page": page, "form": form})


def _create_opportunity(request, form: OpportunityForm) -> bool:
    """Call the service; its refusals become form errors, so the rep sees why."""
    try:
        opportunity = opportunity_create(owner=request.user, **form.cleaned_data)
    except ApplicationError as exc:
        _add_errors(form, exc.fields or {None: [exc.message]})
        return False
    except ModelValidationError as exc:
        _add_errors(form, exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages})
        return False
    messages.success(request, _("Opportunity “%(name)s” created.") % {"name": opportunity.name})
    return True


def _add_errors(form, errors: dict) -> None:
    for field, field_errors in errors.items():
        form.add_error(field if field in form.fields else None, list(field_errors))

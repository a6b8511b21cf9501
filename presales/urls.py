from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from presales import views
from presales.forms import AdminSignInForm

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/login/", views.SignInView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("opportunities/", include("presales.page_urls")),
    path("dispatch/", include("dispatch.urls")),
    path("budgets/", include("budgeting.urls")),
    path("grab/", include("grabbing.urls")),
    path("monitoring/", include("monitoring.urls")),
    path("api/v1/", include("presales.api.urls")),
    path("api/v1/", include("budgeting.api.urls")),
    path("api/v1/", include("dispatch.api.urls")),
    path("api/v1/", include("grabbing.api.urls")),
    path("api/v1/", include("monitoring.api.urls")),
    path("admin/", admin.site.urls),
]

handler400 = "presales.core.errors.bad_request"
handler403 = "presales.core.errors.permission_denied"
handler404 = "presales.core.errors.page_not_found"
handler500 = "presales.core.errors.server_error"

admin.site.site_header = admin.site.site_title = "Presales Dispatch"
admin.site.login_form = AdminSignInForm  # the admin's sign-in is throttled like the others
if settings.DEBUG:
    admin.site.site_header += " (DEBUG)"

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from presales.models import Customer, Opportunity, Rate, Region, RoleAssignment, ScenarioImport, Skill, Solution, User


class ServiceWrittenMixin:
    """Objects only their services write: the services check, lock, book, reserve and notify,
    and an admin form would do none of it (set a grab order's winner, approve an escalation
    with no email). The admin reads them and their history."""

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in [*self.model._meta.fields, *self.model._meta.many_to_many]]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # a delete is a write too (a booking's reservation, a grab order's invitations)


@admin.register(Region, Skill)
class CodedAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Solution)
class SolutionAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "slight_delay_hours"]
    search_fields = ["code", "name"]


@admin.register(Rate)
class RateAdmin(SimpleHistoryAdmin):
    list_display = ["resource_type", "grade", "hourly_rate"]
    list_filter = ["resource_type"]


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0


@admin.register(User)
class UserAdmin(SimpleHistoryAdmin, DjangoUserAdmin):
    list_display = ["username", "display_name", "roles", "is_active"]
    list_filter = ["role_assignments__role", "regions", "is_active"]
    search_fields = ["username", "display_name", "email"]
    inlines = [RoleAssignmentInline]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Organisation"), {"fields": ("display_name", "rank", "regions")}),
    )
    filter_horizontal = ("regions", "groups", "user_permissions")

    @admin.display(description=_("roles"))
    def roles(self, user):
        return ", ".join(sorted(user.role_codes))


@admin.register(Customer)
class CustomerAdmin(SimpleHistoryAdmin):
    list_display = ["name", "tier", "region"]
    list_filter = ["tier", "region"]
    search_fields = ["name", "key"]


@admin.register(Opportunity)
class OpportunityAdmin(SimpleHistoryAdmin):
    list_display = ["name", "customer", "region", "solution", "project_class", "stage", "owner"]
    list_filter = ["region", "solution", "project_class", "stage"]
    search_fields = ["name", "key", "customer__name"]
    autocomplete_fields = ["customer", "owner"]


@admin.register(ScenarioImport)
class ScenarioImportAdmin(admin.ModelAdmin):
    list_display = ["name", "loaded_at", "loaded_by", "sha256"]
    readonly_fields = ["name", "sha256", "loaded_at", "loaded_by", "summary"]

    def has_add_permission(self, request):
        return False  # written by load_scenario only

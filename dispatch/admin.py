from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from dispatch.models import DeliveryCentre, Engineer, EngineerSkill, Escalation, HotlineRequest, TimeOff, WorkingHours
from presales.admin import ServiceWrittenMixin


class EngineerSkillInline(admin.TabularInline):
    model = EngineerSkill
    extra = 0


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    extra = 0


class TimeOffInline(admin.TabularInline):
    model = TimeOff
    extra = 0


@admin.register(Engineer)
class EngineerAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "region", "delivery_centre", "resource_type", "grade", "is_active"]
    list_filter = ["region", "delivery_centre", "resource_type", "grade", "solutions", "is_active"]
    search_fields = ["user__username", "user__display_name"]
    filter_horizontal = ["solutions"]
    inlines = [EngineerSkillInline, WorkingHoursInline, TimeOffInline]


@admin.register(DeliveryCentre)
class DeliveryCentreAdmin(SimpleHistoryAdmin):
    list_display = ["name", "solution", "lead", "on_duty"]
    search_fields = ["name", "solution__code"]


@admin.register(Escalation)
class EscalationAdmin(ServiceWrittenMixin, SimpleHistoryAdmin):
    # Decisions go through dispatch.escalations (emails, checks); the admin only reads them.
    list_display = ["__str__", "status", "requested_by", "requested_at", "decided_by", "decided_at", "valid_until"]
    list_filter = ["status"]


@admin.register(HotlineRequest)
class HotlineRequestAdmin(ServiceWrittenMixin, SimpleHistoryAdmin):
    # Asked and answered through dispatch.hotline; the admin only reads them.
    list_display = ["__str__", "solution", "urgency", "status", "engineer", "requested_at", "answered_at"]
    list_filter = ["status", "urgency", "solution"]

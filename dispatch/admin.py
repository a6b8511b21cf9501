from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from dispatch.models import (
    Booking,
    DeliveryCentre,
    Engineer,
    EngineerSkill,
    Escalation,
    HotlineRequest,
    Rating,
    TimeOff,
    WorkingHours,
    WorkOrder,
    WorkOrderSkill,
)
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
    # Decisions go through dispatch.tiered.escalations (emails, checks); the admin only reads them.
    list_display = ["__str__", "status", "requested_by", "requested_at", "decided_by", "decided_at", "valid_until"]
    list_filter = ["status"]


@admin.register(HotlineRequest)
class HotlineRequestAdmin(ServiceWrittenMixin, SimpleHistoryAdmin):
    # Asked and answered through dispatch.tiered.hotline; the admin only reads them.
    list_display = ["__str__", "solution", "urgency", "status", "engineer", "requested_at", "answered_at"]
    list_filter = ["status", "urgency", "solution"]


class WorkOrderSkillInline(admin.TabularInline):
    model = WorkOrderSkill
    extra = 0
    can_delete = False
    readonly_fields = ["skill", "min_level"]

    def has_add_permission(self, request, obj=None):
        return False


# Opened, filled and cancelled through dispatch.services.work_orders and dispatch.services.bookings (locks, the
# exclusion constraint, budget reservations and charges): the admin reads them and their history.
@admin.register(WorkOrder)
class WorkOrderAdmin(ServiceWrittenMixin, SimpleHistoryAdmin):
    list_display = ["__str__", "opportunity", "stage", "solution", "engineers_needed", "desired_start", "cancelled_at"]
    list_filter = ["stage", "solution"]
    list_select_related = ["opportunity", "solution"]
    search_fields = ["key", "opportunity__name"]
    inlines = [WorkOrderSkillInline]


@admin.register(Booking)
class BookingAdmin(ServiceWrittenMixin, SimpleHistoryAdmin):
    list_display = ["id", "work_order", "engineer", "status", "start", "end", "cost", "charged"]
    list_filter = ["status"]
    list_select_related = ["work_order", "engineer__user"]
    search_fields = ["engineer__user__username", "work_order__opportunity__name"]


@admin.register(Rating)
class RatingAdmin(ServiceWrittenMixin, SimpleHistoryAdmin):
    # Given and corrected by the rep (dispatch.services.bookings); corrections are the history.
    list_display = ["booking", "score", "rated_by", "rated_at", "updated_at"]
    list_select_related = ["booking", "rated_by"]

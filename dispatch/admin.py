from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from dispatch.models import Engineer, EngineerSkill, TimeOff, WorkingHours


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
    list_display = ["__str__", "region", "resource_type", "grade", "is_active"]
    list_filter = ["region", "resource_type", "grade", "solutions", "is_active"]
    search_fields = ["user__username", "user__display_name"]
    filter_horizontal = ["solutions"]
    inlines = [EngineerSkillInline, WorkingHoursInline, TimeOffInline]

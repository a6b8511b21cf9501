from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from grabbing.models import GrabOrder, Invitation, Question


@admin.register(GrabOrder)
class GrabOrderAdmin(SimpleHistoryAdmin):
    list_display = ["id", "opportunity", "status", "start", "uplift_percent", "winner", "posted_at"]
    list_filter = ["status"]
    raw_id_fields = ["opportunity", "winner", "booking"]


@admin.register(Invitation)
class InvitationAdmin(SimpleHistoryAdmin):
    list_display = ["id", "grab_order", "engineer", "status", "invited_at"]
    list_filter = ["status"]
    raw_id_fields = ["grab_order", "engineer"]


admin.site.register(Question)

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from grabbing.models import GrabOrder, Invitation, Question
from presales.admin import ServiceWrittenMixin


# Posted, grabbed, confirmed, rejected and asked through grabbing.services.grab_orders only (the claim is a
# conditional update, the confirmation books and reserves): the admin reads them.
@admin.register(GrabOrder)
class GrabOrderAdmin(ServiceWrittenMixin, SimpleHistoryAdmin):
    list_display = ["id", "opportunity", "status", "start", "uplift_percent", "winner", "posted_at"]
    list_filter = ["status"]


@admin.register(Invitation)
class InvitationAdmin(ServiceWrittenMixin, SimpleHistoryAdmin):
    list_display = ["id", "grab_order", "engineer", "status", "invited_at"]
    list_filter = ["status"]


@admin.register(Question)
class QuestionAdmin(ServiceWrittenMixin, admin.ModelAdmin):  # questions keep no history
    list_display = ["id", "grab_order", "engineer", "author", "created_at"]

from django.urls import path

from dispatch import feeds
from dispatch.tiered.views import escalations as escalation_views
from dispatch.tiered.views import hotline as hotline_views
from dispatch.tiered.views import lead as lead_views
from dispatch.views import bookings as booking_views
from dispatch.views import visibility as visibility_views
from dispatch.views import work_orders as work_order_views

app_name = "dispatch"

urlpatterns = [
    path("find/", booking_views.find, name="find"),
    path("find/lane/", booking_views.board_lane, name="board-lane"),
    path("book/", booking_views.book, name="book"),
    path("my-bookings/", booking_views.my_bookings, name="my-bookings"),
    path("work-orders/", work_order_views.work_order_index, name="work_orders"),
    path("work-orders/new/", work_order_views.work_order_new, name="work_order_new"),
    path("work-orders/<int:pk>/", work_order_views.work_order_detail, name="work_order"),
    path("work-orders/<int:pk>/cancel/", work_order_views.work_order_cancel, name="work_order_cancel"),
    path("bookings/<int:pk>/cancel/", booking_views.booking_cancel, name="booking-cancel"),
    path("bookings/<int:pk>/rate/", booking_views.booking_rate, name="booking-rate"),
    path("bookings/<int:pk>/acknowledge/", booking_views.booking_acknowledge, name="booking-acknowledge"),
    path("bookings/<int:pk>/complete/", booking_views.booking_complete, name="booking-complete"),
    path("escalations/", escalation_views.escalations, name="escalations"),
    path("hotline/", hotline_views.hotline, name="hotline"),
    path("hotline/ask/", hotline_views.hotline_ask, name="hotline-ask"),
    path("hotline/<int:pk>/answer/", hotline_views.hotline_answer, name="hotline-answer"),
    path("escalations/request/", escalation_views.escalation_request, name="escalation-request"),
    path("escalations/<int:pk>/approve/", escalation_views.escalation_approve, name="escalation-approve"),
    path("escalations/<int:pk>/decline/", escalation_views.escalation_decline, name="escalation-decline"),
    path("lead/work/", lead_views.lead_work, name="lead-work"),
    path("lead/bookings/<int:pk>/reassign/", lead_views.lead_reassign, name="lead-reassign"),
    path("my-schedule/", booking_views.my_schedule, name="my-schedule"),
    path("calendar/<str:token>.ics", feeds.calendar_feed, name="calendar-feed"),
    path("my-schedule/calendar-link/", booking_views.calendar_rotate, name="calendar-rotate"),
    path("opportunities/<int:pk>/", visibility_views.opportunity_detail, name="opportunity"),
    path("engineers/<int:pk>/record/", visibility_views.engineer_record, name="engineer-record"),
    path("bookings/<int:pk>/rating/correct/", visibility_views.booking_rating_correct, name="booking-rating-correct"),
]

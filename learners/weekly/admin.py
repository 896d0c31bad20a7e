"""For operators: the delivery log (find `unknown` and `gave_up` rows, see the last error) and
each learner's next send time. See docs/email.md, "Exactly once"."""

from __future__ import annotations

from django.contrib import admin

from learners.weekly.models import WeeklyEmail, WeeklySchedule


@admin.register(WeeklyEmail)
class WeeklyEmailAdmin(admin.ModelAdmin):
    list_display = ("learner", "week_start", "status", "attempts", "status_at", "sent_at")
    list_filter = ("status", "week_start")
    search_fields = ("learner__email", "message_id")
    list_select_related = ("learner",)
    raw_id_fields = ("learner", "reminder")
    readonly_fields = ("message_id", "subject", "last_error", "created_at", "sent_at")
    date_hierarchy = "week_start"


@admin.register(WeeklySchedule)
class WeeklyScheduleAdmin(admin.ModelAdmin):
    list_display = ("learner", "next_send_at")
    search_fields = ("learner__email",)
    list_select_related = ("learner",)
    raw_id_fields = ("learner",)

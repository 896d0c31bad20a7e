"""The next send time follows the learner's preferences, whoever saves them (the settings page,
the unsubscribe link, the admin, an import)."""

from __future__ import annotations

# Saving any of these can move the next send time; other saves (last_login on every login, a
# new display name alone) cost no query.
SCHEDULE_FIELDS = frozenset(
    {
        "weekly_email",
        "weekly_email_weekday",
        "weekly_email_hour",
        "time_zone",
        "is_active",
        "mentor_digest",
    }
)


def follow_preferences(sender, instance, created: bool, raw: bool, update_fields, **kwargs) -> None:
    if raw:  # loaddata: rows arrive as they were, schedules included
        return
    if update_fields is not None and SCHEDULE_FIELDS.isdisjoint(update_fields):
        return
    from learners.weekly.models import WeeklySchedule

    WeeklySchedule.objects.follow(instance, created=created)

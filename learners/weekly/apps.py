from django.apps import AppConfig
from django.db.models.signals import post_save


class WeeklyConfig(AppConfig):
    name = "learners.weekly"
    label = "weekly"
    verbose_name = "Weekly progress email"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model

        from learners.weekly.signals import follow_preferences

        post_save.connect(
            follow_preferences, sender=get_user_model(), dispatch_uid="weekly_follow_preferences"
        )

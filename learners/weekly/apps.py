from django.apps import AppConfig


class WeeklyConfig(AppConfig):
    name = "learners.weekly"
    label = "weekly"
    verbose_name = "Weekly progress email"

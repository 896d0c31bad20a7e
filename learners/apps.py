from django.apps import AppConfig


class LearnersConfig(AppConfig):
    name = "learners"
    verbose_name = "Learners"

    def ready(self) -> None:
        # The project's own deployment checks (`manage.py check --deploy`).
        from config import checks  # noqa: F401

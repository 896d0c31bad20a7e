from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "learners.review"
    label = "review"
    verbose_name = "Review: what was learned, brought back on an FSRS schedule"

    def ready(self) -> None:
        from learners.review import signals

        signals.connect()

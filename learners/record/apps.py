from django.apps import AppConfig


class RecordConfig(AppConfig):
    name = "learners.record"
    label = "record"
    verbose_name = "The honest record: failures, lessons, timeline, export"

from django.apps import AppConfig


class PapersConfig(AppConfig):
    name = "learners.papers"
    label = "papers"
    verbose_name = "Paper reading: passes and the reading ledger"

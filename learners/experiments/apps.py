from django.apps import AppConfig


class ExperimentsConfig(AppConfig):
    name = "learners.experiments"
    label = "experiments"
    verbose_name = "Experiment runs"

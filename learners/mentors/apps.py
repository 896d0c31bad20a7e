from django.apps import AppConfig


class MentorsConfig(AppConfig):
    name = "learners.mentors"
    label = "mentors"
    verbose_name = "Mentors: who may see a learner's record, and what they say about it"

"""Every learner URL, by concern. Paths and names are the public contract: keep them stable."""

from django.urls import include, path

urlpatterns = [
    path("", include("learners.accounts.urls")),
    path("", include("learners.dashboard.urls")),
    path("", include("learners.plans.urls")),
    path("", include("learners.study.urls")),
    path("", include("learners.record.urls")),
    path("", include("learners.experiments.urls")),
    path("", include("learners.weekly.urls")),
    path("", include("learners.review.urls")),
    path("", include("learners.papers.urls")),
]

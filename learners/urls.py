"""Every learner URL, by concern. Paths and names are the public contract: keep them stable."""

from importlib import import_module

from django.urls import URLPattern, include, path

from learners.mentors.access import mentor_view

CONCERNS = [
    "learners.accounts.urls",
    "learners.dashboard.urls",
    "learners.plans.urls",
    "learners.study.urls",
    "learners.record.urls",
    "learners.experiments.urls",
    "learners.weekly.urls",
    "learners.review.urls",
    "learners.mentors.urls",
    "learners.papers.urls",
]

# The learner's read pages a mentor opens under /mentoring/<mentorship>/ (the same path after
# the mount, so a page's own links, reversed under the mount's script prefix, stay inside it).
MENTOR_READS = {
    "dashboard",
    "plan_detail",
    "module_detail",
    "failure_list",
    "failure_lessons",
    "failure_detail",
    "timeline",
    "run_list",
    "run_compare",
    "run_detail",
    "run_vs_last_week",
    "module_runs",
}


def _mounted() -> list[URLPattern]:
    mounted = []
    for concern in CONCERNS:
        for pattern in import_module(concern).urlpatterns:
            if pattern.name in MENTOR_READS:
                view = pattern.callback
                if pattern.name == "dashboard":  # "/" is the landing page for visitors
                    view = import_module("learners.dashboard.views").dashboard
                route = str(pattern.pattern)
                mounted.append(path(route, mentor_view(view), name=f"mentor_{pattern.name}"))
    assert {p.name for p in mounted} == {f"mentor_{n}" for n in MENTOR_READS}, mounted
    return mounted


urlpatterns = [
    *(path("", include(concern)) for concern in CONCERNS),
    path("mentoring/<int:mentorship>/", include(_mounted())),
]

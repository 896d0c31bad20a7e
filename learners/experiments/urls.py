from django.urls import path

from learners.experiments import api, views

urlpatterns = [
    # The API: JSON, token-authenticated (docs/api.md). No trailing slash, like most APIs.
    path("api/v1/runs", api.api_runs, name="api_runs"),
    path("settings/tokens/", views.token_list, name="token_list"),
    path("settings/tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("runs/", views.run_list, name="run_list"),
    path("runs/compare/", views.run_compare, name="run_compare"),
    path("runs/<int:pk>/", views.run_detail, name="run_detail"),
    path("runs/<int:pk>/edit/", views.run_edit, name="run_edit"),
    path("runs/<int:pk>/delete/", views.run_delete, name="run_delete"),
    path("runs/<int:pk>/vs-last-week/", views.run_vs_last_week, name="run_vs_last_week"),
    path("modules/<slug:slug>/runs/", views.module_runs, name="module_runs"),
    path("modules/<slug:slug>/runs/metric/", views.module_metric, name="module_metric"),
    path("experiments/trajectory_client.py", views.client_download, name="client_download"),
]

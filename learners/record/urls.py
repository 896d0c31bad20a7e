from django.urls import path

from learners.record import data_views, views

urlpatterns = [
    path("failures/", views.failure_list, name="failure_list"),
    path("failures/lessons/", views.failure_lessons, name="failure_lessons"),
    path("failures/new/", views.failure_new, name="failure_new"),
    path("failures/capture/", views.failure_capture, name="failure_capture"),
    path("failures/<int:pk>/", views.failure_detail, name="failure_detail"),
    path("failures/<int:pk>/edit/", views.failure_edit, name="failure_edit"),
    path("failures/<int:pk>/delete/", views.failure_delete, name="failure_delete"),
    path("failures/<int:pk>/resolve/", views.failure_resolve, name="failure_resolve"),
    path("timeline/", views.timeline, name="timeline"),
    path("account/data/", data_views.your_data, name="your_data"),
    path("account/data/export.json", data_views.export_json, name="export_json"),
    path("account/data/journal.md", data_views.export_journal, name="export_journal"),
    path("account/data/import/", data_views.import_json, name="import_json"),
    path("account/data/delete/", data_views.account_delete, name="account_delete"),
]

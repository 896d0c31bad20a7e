from django.urls import path

from learners.study import session_views, views

urlpatterns = [
    path("modules/<slug:slug>/", views.module_detail, name="module_detail"),
    path("modules/<slug:slug>/status/", views.module_status, name="module_status"),
    path("modules/<slug:slug>/confidence/", views.module_confidence, name="module_confidence"),
    path(
        "modules/<slug:slug>/checkpoints/<slug:key>/",
        views.checkpoint_tick,
        name="checkpoint_tick",
    ),
    path("modules/<slug:slug>/notes/", views.note_create, name="note_create"),
    path("notes/preview/", views.note_preview, name="note_preview"),
    path("notes/<int:pk>/edit/", views.note_edit, name="note_edit"),
    path("notes/<int:pk>/delete/", views.note_delete, name="note_delete"),
    path("sessions/", session_views.session_list, name="session_list"),
    path("sessions/<int:pk>/edit/", session_views.session_edit, name="session_edit"),
    path("sessions/<int:pk>/delete/", session_views.session_delete, name="session_delete"),
    path("timer/start/", session_views.timer_start, name="timer_start"),
    path("timer/stop/", session_views.timer_stop, name="timer_stop"),
]

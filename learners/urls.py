from django.urls import path

from learners import module_views, session_views, views

urlpatterns = [
    path("", views.home, name="dashboard"),
    path("plans/", views.plan_list, name="plan_list"),
    path("plans/new/", views.plan_new, name="plan_new"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/edit/", views.plan_edit, name="plan_edit"),
    path("plans/<int:pk>/end/", views.plan_end, name="plan_end"),
    path("plans/<int:pk>/items/", views.plan_item_add, name="plan_item_add"),
    path(
        "plans/<int:pk>/items/<int:item_id>/remove/",
        views.plan_item_remove,
        name="plan_item_remove",
    ),
    path("plans/<int:pk>/items/<int:item_id>/move/", views.plan_item_move, name="plan_item_move"),
    path("modules/<slug:slug>/status/", module_views.module_status, name="module_status"),
    path(
        "modules/<slug:slug>/confidence/", module_views.module_confidence, name="module_confidence"
    ),
    path(
        "modules/<slug:slug>/checkpoints/<slug:key>/",
        module_views.checkpoint_tick,
        name="checkpoint_tick",
    ),
    path("modules/<slug:slug>/notes/", module_views.note_create, name="note_create"),
    path("notes/preview/", module_views.note_preview, name="note_preview"),
    path("notes/<int:pk>/edit/", module_views.note_edit, name="note_edit"),
    path("notes/<int:pk>/delete/", module_views.note_delete, name="note_delete"),
    path("sessions/", session_views.session_list, name="session_list"),
    path("sessions/<int:pk>/edit/", session_views.session_edit, name="session_edit"),
    path("sessions/<int:pk>/delete/", session_views.session_delete, name="session_delete"),
    path("timer/start/", session_views.timer_start, name="timer_start"),
    path("timer/stop/", session_views.timer_stop, name="timer_stop"),
]

from django.urls import path

from learners.plans import views

urlpatterns = [
    path("plans/", views.plan_list, name="plan_list"),
    path("plans/new/", views.plan_new, name="plan_new"),
    path("plans/new/hint/", views.plan_hint_view, name="plan_hint"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/edit/", views.plan_edit, name="plan_edit"),
    path("plans/<int:pk>/end/", views.plan_end, name="plan_end"),
    path("plans/<int:pk>/pause/", views.plan_pause, name="plan_pause"),
    path("plans/<int:pk>/resume/", views.plan_resume, name="plan_resume"),
    path("plans/<int:pk>/replan/", views.plan_replan, name="plan_replan"),
    path("plans/<int:pk>/items/", views.plan_item_add, name="plan_item_add"),
    path(
        "plans/<int:pk>/items/<int:item_id>/remove/",
        views.plan_item_remove,
        name="plan_item_remove",
    ),
    path("plans/<int:pk>/items/<int:item_id>/move/", views.plan_item_move, name="plan_item_move"),
]

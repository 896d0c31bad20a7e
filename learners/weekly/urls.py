from django.urls import path

from learners.weekly import views

urlpatterns = [
    path("email/weekly/preview/", views.preview, name="weekly_preview"),
    path("email/weekly/preview/email/", views.preview_body, name="weekly_preview_body"),
    path("email/weekly/unsubscribe/<str:token>/", views.unsubscribe, name="weekly_unsubscribe"),
    path(
        "email/digest/unsubscribe/<str:token>/",
        views.digest_unsubscribe,
        name="digest_unsubscribe",
    ),
]

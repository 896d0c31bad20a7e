from django.urls import path

from learners.dashboard import views

urlpatterns = [
    path("", views.home, name="dashboard"),
]

from django.urls import path

from learners import views

urlpatterns = [
    path("", views.home, name="dashboard"),
]

"""Account URLs. Placeholder wiring: the accounts work replaces these views."""

from django.contrib.auth import views as auth_views
from django.urls import path

from learners import views

urlpatterns = [
    path("signup/", views.home, name="signup"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("settings/", views.home, name="settings"),
    path("password/change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password/reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
]

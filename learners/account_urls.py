"""Account URLs: sign up, log in and out, password change and reset, settings."""

from django.urls import path

from learners import accounts

urlpatterns = [
    path("signup/", accounts.signup, name="signup"),
    path("login/", accounts.login, name="login"),
    path("logout/", accounts.logout, name="logout"),
    path("settings/", accounts.account_settings, name="settings"),
    path("password/change/", accounts.password_change, name="password_change"),
    path("password/change/done/", accounts.password_change_done, name="password_change_done"),
    path("password/reset/", accounts.password_reset, name="password_reset"),
    path("password/reset/done/", accounts.password_reset_done, name="password_reset_done"),
    path(
        "password/reset/complete/",
        accounts.password_reset_complete,
        name="password_reset_complete",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        accounts.password_reset_confirm,
        name="password_reset_confirm",
    ),
]

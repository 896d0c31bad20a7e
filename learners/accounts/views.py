"""The account: sign up, log in and out, passwords, settings.

Django's auth views wherever they exist (they already handle safe `next` redirects, session
rotation, CSRF and never-cache); our forms and templates on top.
"""

from __future__ import annotations

import copy

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from learners.accounts import throttle
from learners.accounts.forms import (
    LoginForm,
    PlainSetPasswordForm,
    SettingsForm,
    SignupForm,
    SiteURLPasswordResetForm,
    ThrottledPasswordChangeForm,
)


@sensitive_post_parameters("password1", "password2")
@never_cache
def signup(request: HttpRequest) -> HttpResponse:
    # `next`: where a newcomer was going ("Start this plan" on a list's page), a path on this
    # site only, as for log in.
    next_url = _safe_next(request)
    if request.user.is_authenticated:
        return redirect(next_url or "dashboard")
    if request.method == "POST":
        form = SignupForm(request.POST)
        if form.is_valid():
            try:
                with transaction.atomic():
                    user = form.save()
            except IntegrityError:
                # Two signups with one address at the same moment: the database's unique
                # constraint decides, and the loser hears what the form would have said.
                form.add_error("email", "An account already uses this email address.")
            else:
                auth_login(request, user)
                messages.success(request, _welcome(next_url))
                return redirect(next_url or "dashboard")
    else:
        form = SignupForm()
    return render(request, "accounts/signup.html", {"form": form, "next": next_url})


def _welcome(next_url: str) -> str:
    if next_url.startswith(reverse("mentoring_home")):
        # Signed up through a mentor invite: the invite page comes next, not a plan.
        return "Welcome to Trajectory! Your account is ready: accept the invite below."
    return "Welcome to Trajectory! Pick a track or a few modules to start a plan."


def _safe_next(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate.startswith("/") and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: LoginForm) -> HttpResponse:
        response = super().form_valid(form)
        throttle.remember_device(self.request, response, form.get_user())
        return response

    def form_invalid(self, form: LoginForm) -> HttpResponse:
        response = super().form_invalid(form)
        if form.refusal is not None:
            # Scripts get the standard signal; people read the form error.
            response.status_code = 429
            response["Retry-After"] = str(form.refusal.seconds)
        return response


login = LoginView.as_view()
logout = auth_views.LogoutView.as_view()


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = ThrottledPasswordChangeForm
    template_name = "accounts/password_change_form.html"

    def get_form_kwargs(self) -> dict:
        return super().get_form_kwargs() | {
            "address": throttle.client_address(self.request),
            "device": throttle.device_for(self.request, self.request.user.email),
        }


password_change = PasswordChangeView.as_view()
password_change_done = auth_views.PasswordChangeDoneView.as_view(
    template_name="accounts/password_change_done.html"
)
password_reset = auth_views.PasswordResetView.as_view(
    form_class=SiteURLPasswordResetForm,
    template_name="accounts/password_reset_form.html",
    email_template_name="accounts/password_reset_email.html",
    subject_template_name="accounts/password_reset_subject.txt",
)
password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="accounts/password_reset_done.html"
)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """The emailed link, which is also the way in for a new device while someone keeps the
    account's login slowed (learners/accounts/throttle.py): setting the password logs this
    browser in, makes it a known device, and forgets the account's failures."""

    form_class = PlainSetPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    post_reset_login = True

    def form_valid(self, form) -> HttpResponse:
        response = super().form_valid(form)
        throttle.clear(throttle.normalize_email(form.user.email))
        throttle.remember_device(self.request, response, form.user)
        return response


password_reset_confirm = PasswordResetConfirmView.as_view()
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="accounts/password_reset_complete.html"
)


@login_required
def account_settings(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        # A copy: an invalid form must not leave half-applied values on request.user,
        # which the page header still renders.
        form = SettingsForm(request.POST, instance=copy.copy(request.user))
        if form.is_valid():
            form.save()
            messages.success(request, "Settings saved.")
            return redirect("settings")
    else:
        form = SettingsForm(instance=request.user)
    # 422: the form comes back with its errors (as the plan and record forms answer).
    status = 422 if form.errors else 200
    return render(request, "accounts/settings.html", {"form": form}, status=status)

"""Forms for the account: sign up, log in (behind the throttle), reset a password, settings."""

from __future__ import annotations

import functools
import zoneinfo
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.contrib.auth.forms import (
    AuthenticationForm,
    BaseUserCreationForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
    UsernameField,
)
from django.core.exceptions import ValidationError
from django.views.decorators.debug import sensitive_variables

from learners.accounts import throttle
from learners.models import User
from learners.web.forms import PlainLabels

SITE_NAME = "Trajectory"


# Every form here has labels without Django's trailing colon (PlainLabels), like the rest of
# the site's forms.


FIRST, AGAIN = "password1", "password2"  # the sign-up form's two password fields


class SignupForm(PlainLabels, BaseUserCreationForm):
    """Email, password, password again; Django's password validators apply."""

    password1, password2 = BaseUserCreationForm.create_password_fields(
        label1="Password", label2="Password again"
    )

    class Meta:
        model = User
        fields = ("email",)
        labels = {"email": "Email"}
        widgets = {"email": forms.EmailInput(attrs={"autocomplete": "email"})}

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        # Account enumeration: saying "taken" tells a visitor that this address has an
        # account. We accept that here: the alternative (pretend success and email the
        # owner) needs an email-verification flow we don't have, and a silent failure would
        # leave a real newcomer stuck. Login and password reset reveal nothing, and their
        # messages are the same for every address.
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError(
                "An account already uses this email address. Log in, or reset the password "
                "if you've forgotten it.",
                code="duplicate_email",
            )
        return email

    @sensitive_variables("password")
    def validate_password_for_user(self, user, password_field_name: str = AGAIN) -> None:
        """The password rules ("too short", "too common") are about the password: their errors
        stand under "Password", not under "Password again" where Django puts them. Checked,
        as Django does, once the two agree (a mismatch is said under "Password again")."""
        if self.cleaned_data.get(password_field_name):
            super().validate_password_for_user(user, password_field_name=FIRST)


class LoginForm(PlainLabels, AuthenticationForm):
    """Email and password, refused without a password check while the throttle says wait."""

    username = UsernameField(
        label="Email",
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        # The same words whether or not the address has an account.
        "invalid_login": "That email and password don't match. Check both and try again.",
    }

    def __init__(self, request=None, *args, **kwargs) -> None:
        super().__init__(request, *args, **kwargs)
        self.refusal: throttle.Refusal | None = None

    def clean_username(self) -> str:
        # Emails are stored lowercased and the backend looks them up exactly.
        return self.cleaned_data["username"].lower()

    @sensitive_variables("password")
    def clean(self):
        email = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if not email or not password:
            return self.cleaned_data  # the field errors say what is missing
        address = throttle.client_address(self.request)
        device = throttle.device_for(self.request, email)

        def authenticates() -> bool:
            super(LoginForm, self).clean()  # raises "invalid_login" when they don't match
            return True

        try:
            throttle.attempt(email, address, authenticates, device=device)
        except throttle.Throttled as refused:
            self.refusal = refused.refusal
            raise ValidationError(refusal_message(self.refusal), code="throttled") from None
        return self.cleaned_data


class AdminLoginForm(LoginForm):
    """The admin's login page: the same form and throttle as /login/ (staff log in with their
    email like everyone), and only staff get in, as with Django's AdminAuthenticationForm."""

    error_messages = {
        **LoginForm.error_messages,
        "invalid_login": "That email and password don't match a staff account. "
        "Check both and try again.",
    }

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        if not user.is_staff:  # counted as a failure, like a wrong password
            raise ValidationError(self.error_messages["invalid_login"], code="invalid_login")


class ThrottledPasswordChangeForm(PlainLabels, PasswordChangeForm):
    """Django's form, with the old password counted like a login attempt (see
    throttle.check_password): a stolen session must not become a fast password oracle."""

    def __init__(self, user, *args, address: str = "", device: str = "", **kwargs) -> None:
        super().__init__(user, *args, **kwargs)
        self.address, self.device = address, device

    @sensitive_variables("old_password")
    def clean_old_password(self) -> str:
        old_password = self.cleaned_data["old_password"]
        if not password_matches(self.user, old_password, self.address, device=self.device):
            raise ValidationError(
                self.error_messages["password_incorrect"], code="password_incorrect"
            )
        return old_password


@sensitive_variables("password")
def password_matches(
    user, password: str, address: str, *, unchanged: str = "", device: str = ""
) -> bool:
    """throttle.check_password() for a form: a wait becomes the field's error, `unchanged`
    added to it ("Nothing was deleted.")."""
    try:
        return throttle.check_password(user, password, address, device=device)
    except throttle.Throttled as refused:
        wait = describe_wait(refused.refusal.seconds)
        raise ValidationError(
            f"Too many wrong passwords: wait {wait}, then try again. {unchanged}".rstrip(),
            code="throttled",
        ) from None


def refusal_message(refusal: throttle.Refusal) -> str:
    if refusal.by_address:
        return (
            "Too many failed logins from your network. "
            f"Try again in {describe_wait(refusal.seconds)}."
        )
    return (
        "Too many failed logins for this email address. "
        f"Wait {describe_wait(refusal.seconds)}, then try again. "
        "Or sign in with a link sent to your email."
    )


def describe_wait(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = -(-seconds // 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


class SiteURLPasswordResetForm(PlainLabels, PasswordResetForm):
    """Django's reset form, with links built from settings.SITE_URL.

    The view would otherwise take the domain from the request's Host header, and a forged
    Host would put an attacker's domain in front of a valid reset token.
    """

    def save(self, **kwargs) -> None:
        site = urlsplit(settings.SITE_URL)
        kwargs["domain_override"] = site.netloc
        kwargs["use_https"] = site.scheme == "https"
        kwargs["extra_email_context"] = {
            **(kwargs.get("extra_email_context") or {}),
            "site_url": settings.SITE_URL,
            "site_name": SITE_NAME,
            "valid_for": describe_duration(settings.PASSWORD_RESET_TIMEOUT),
        }
        super().save(**kwargs)


def describe_duration(seconds: int) -> str:
    """Whole days or hours, rounded down, for a sentence like "expires in 3 days"."""
    if seconds >= 86_400:
        days = seconds // 86_400
        return f"{days} day{'s' if days != 1 else ''}"
    hours = max(1, seconds // 3_600)
    return f"{hours} hour{'s' if hours != 1 else ''}"


# --- settings --------------------------------------------------------------------------------


@functools.cache
def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


HOUR_CHOICES = [(hour, f"{hour:02d}:00") for hour in range(24)]


class PlainSetPasswordForm(PlainLabels, SetPasswordForm):
    """Django's form for a new password after a reset link, with the site's labels."""


class SettingsForm(PlainLabels, forms.ModelForm):
    time_zone = forms.ChoiceField(
        label="Time zone",
        choices=time_zone_choices,
        help_text="Your days and weeks, and the weekly email, follow this time zone.",
        error_messages={"invalid_choice": "Choose a time zone from the list."},
    )
    weekly_email_hour = forms.TypedChoiceField(
        label="Hour",
        choices=HOUR_CHOICES,
        coerce=int,
        help_text="In your time zone.",
        error_messages={"invalid_choice": "Choose an hour from 0 to 23."},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # A form from before this setting (another tab, a script) keeps the learner's value.
        self.fields["daily_reviews"].required = False

    def clean_daily_reviews(self) -> int:
        return self.cleaned_data["daily_reviews"] or self.instance.daily_reviews

    class Meta:
        model = User
        fields = (
            "display_name",
            "time_zone",
            "weekly_hours_target",
            "weekly_email",
            "weekly_email_weekday",
            "weekly_email_hour",
            "mentor_digest",
            "daily_reviews",
        )
        labels = {
            "display_name": "Display name",
            "weekly_hours_target": "Weekly hours target",
            "weekly_email": "Send me the weekly progress email",
            "weekly_email_weekday": "Day",
            "mentor_digest": "Send me the mentor digest while I mentor someone",
        }
        help_texts = {
            "mentor_digest": "Mondays at 08:00 in your time zone: every learner you mentor, "
            "their week and their open review requests.",
            "display_name": "Shown in the header and in your emails. Leave it empty to use "
            "your email address.",
            "weekly_hours_target": "Hours a week you mean to study, from 0.5 to 80.",
            "daily_reviews": "At most this many review cards a day (1 to 500); the rest wait, "
            "the ones you are most likely to have forgotten first.",
        }
        widgets = {
            # Hints for the browser; the model's validators are what actually decide.
            "weekly_hours_target": forms.NumberInput(
                attrs={"min": "0.5", "max": "80", "step": "0.1"}
            ),
            "daily_reviews": forms.NumberInput(attrs={"min": "1", "max": "500"}),
        }
        error_messages = {
            "weekly_email_weekday": {"invalid_choice": "Choose a day of the week."},
        }

    def save(self, commit: bool = True) -> User:
        user = super().save(commit=False)
        if commit:
            # Only these columns: a full save would write back the password hash and
            # last_login as they were when this request began.
            user.save(update_fields=list(self.Meta.fields))
        return user

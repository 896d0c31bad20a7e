"""The admin for accounts: find a learner, change their name or preferences, deactivate them.

Passwords are never shown (Django stores only a hash); staff change them with Django's own
password form from the learner's page.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

from learners.models import User


class LearnerCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class LearnerChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = LearnerChangeForm
    add_form = LearnerCreationForm
    ordering = ["email"]
    list_display = [
        "email",
        "display_name",
        "time_zone",
        "weekly_email",
        "is_active",
        "is_staff",
        "date_joined",
    ]
    list_filter = ["is_active", "is_staff", "weekly_email"]
    search_fields = ["email", "display_name"]
    readonly_fields = ["last_login", "date_joined"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["display_name", "time_zone", "weekly_hours_target"]}),
        ("Weekly email", {"fields": ["weekly_email", "weekly_email_weekday", "weekly_email_hour"]}),
        (
            "Permissions",
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {"classes": ["wide"], "fields": ["email", "usable_password", "password1", "password2"]},
        )
    ]

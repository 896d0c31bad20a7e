"""The admin site: Django's, with its login page behind the login throttle.

`/admin/login/` used to check a password on every POST, however many failed before: a way
around the throttle on the accounts that matter most. It now uses AdminLoginForm (the login
form's throttle, staff only) and answers a refusal with 429 and Retry-After, as /login/ does.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse

from learners.accounts.forms import AdminLoginForm


class AdminSite(admin.AdminSite):
    login_form = AdminLoginForm

    def login(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        response = super().login(request, extra_context)
        form = (getattr(response, "context_data", None) or {}).get("form")
        refusal = getattr(form, "refusal", None)
        if refusal is not None:
            response.status_code = 429
            response["Retry-After"] = str(refusal.seconds)
        return response

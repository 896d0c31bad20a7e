"""The weekly email in the browser (preview) and the unsubscribe link's page.

The preview page is an ordinary page under the site's strict CSP. The email itself has inline
styles everywhere (mail clients need them), which that CSP forbids, so the page shows it in a
sandboxed iframe whose document comes from `preview_body`, a response with its own, stricter
policy: no scripts at all, no network requests, inline styles allowed.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.csp import CSP
from django.utils.http import urlencode
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csp import csp_override
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from learners.lib.ids import parse_id
from learners.lib.weeks import local_date, previous_week
from learners.models import User
from learners.weekly.report import WeeklyReport, build_report
from learners.weekly.sender import render_weekly
from learners.weekly.tokens import DIGEST_SALT, SALT, learner_id_for

# The email's own document: styles inline (mail clients need them), nothing else at all. No
# script, no network request (images, fonts, forms), framed only by our own preview page, and
# sandboxed: links open in the top window when clicked, nothing runs. It keeps our origin
# (allow-same-origin, without allow-scripts: still nothing runs in it) so that the preview
# page's script can read the email's height and show it whole, not in a fixed-size box.
PREVIEW_BODY_CSP = {
    "default-src": [CSP.NONE],
    "style-src": [CSP.UNSAFE_INLINE],
    "img-src": ["data:"],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.NONE],
    "frame-ancestors": [CSP.SELF],
    "sandbox": [
        "allow-same-origin",
        "allow-popups",
        "allow-popups-to-escape-sandbox",
        "allow-top-navigation-by-user-activation",
    ],
}
SANDBOX = " ".join(PREVIEW_BODY_CSP["sandbox"])


# Reading another learner's email is reading their account: the permission the admin's own
# list of accounts asks for, not merely being staff.
VIEW_ACCOUNTS = "learners.view_user"


def _learner_to_preview(request: HttpRequest) -> User:
    """The learner whose email to show: yourself, or (staff who may view accounts) anyone by
    `?learner=<id>`. Anyone else asking for another learner gets a 404, as for any object they
    don't own."""
    wanted = request.GET.get("learner")
    if wanted is None or wanted == str(request.user.pk):
        return request.user
    pk = parse_id(wanted)
    if pk is None or not (request.user.is_staff and request.user.has_perm(VIEW_ACCOUNTS)):
        raise Http404("No such learner.")
    return get_object_or_404(User, pk=pk)


def _this_weeks_report(learner: User) -> WeeklyReport | None:
    """The email the learner would get for the week that just ended, as of now."""
    now = timezone.now()
    monday, _ = previous_week(local_date(now, learner.tz))
    return build_report(learner, monday, now)


@login_required
@require_GET
def preview(request: HttpRequest) -> HttpResponse:
    learner = _learner_to_preview(request)
    report = _this_weeks_report(learner)
    query = "" if learner == request.user else "?" + urlencode({"learner": learner.pk})
    schedule = getattr(learner, "weekly_schedule", None)
    context = {
        "learner": learner,
        "report": report,
        "rendered": render_weekly(report) if report else None,
        "body_url": reverse("weekly_preview_body") + query,
        "sandbox": SANDBOX,
        "next_send_at": schedule.next_send_at if schedule else None,
        "due_now": bool(
            schedule and schedule.next_send_at and schedule.next_send_at <= timezone.now()
        ),
        "is_self": learner == request.user,
    }
    return render(request, "weekly/preview.html", context)


@login_required
@require_GET
@xframe_options_sameorigin
@csp_override(PREVIEW_BODY_CSP)
def preview_body(request: HttpRequest) -> HttpResponse:
    learner = _learner_to_preview(request)
    report = _this_weeks_report(learner)
    if report is None:
        raise Http404("No active plan, so no weekly email.")
    response = HttpResponse(render_weekly(report).html)
    response["Cache-Control"] = "private, no-store"
    return response


def _learner_for_token(token: str, salt: str = SALT) -> User:
    learner_id = learner_id_for(token, salt)
    if learner_id is None:
        raise Http404("This unsubscribe link is not valid.")
    return get_object_or_404(User, pk=learner_id, is_active=True)


# Each email's unsubscribe link: its token's salt, the switch it turns off, the page's words.
STREAMS = {
    "weekly": (SALT, "weekly_email", "the weekly progress email", "weekly_unsubscribe"),
    "digest": (DIGEST_SALT, "mentor_digest", "the mentor digest", "digest_unsubscribe"),
}


# The signed token in the URL is the credential; a mail client's one-click POST (RFC 8058)
# carries no cookies and no CSRF token, and forging a request needs the token itself.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    return _unsubscribe(request, token, "weekly")


@csrf_exempt
@require_http_methods(["GET", "POST"])
def digest_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """The mentor digest alone: the mentor's own weekly progress email is left as it is."""
    return _unsubscribe(request, token, "digest")


def _unsubscribe(request: HttpRequest, token: str, stream: str) -> HttpResponse:
    salt, switch, what, url_name = STREAMS[stream]
    learner = _learner_for_token(token, salt)
    if request.method == "POST":
        if getattr(learner, switch):
            setattr(learner, switch, False)
            learner.save(update_fields=[switch])
        if request.POST.get("List-Unsubscribe") == "One-Click":
            # The mail client's own request: a plain 200, no redirect to follow.
            return HttpResponse(
                f"Unsubscribed from {what}.\n", content_type="text/plain; charset=utf-8"
            )
        return redirect(request.path)
    # GET only asks: mail scanners open every link in a message, and must not unsubscribe.
    return render(
        request,
        "weekly/unsubscribe.html",
        {
            "learner": learner,
            "subscribed": getattr(learner, switch),
            "address": masked(learner.email),
            "token": token,
            "what": what,
            "action": reverse(url_name, args=[token]),
            "digest": stream == "digest",
        },
    )


def masked(address: str) -> str:
    """'a••••@example.com': enough to recognise your address, not to read someone else's."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}{'•' * 4}@{domain}"

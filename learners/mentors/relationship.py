"""A mentorship's life: invite, resend, withdraw, accept or decline, end; and its scope.

The invite link is `/mentoring/invite/<token>/`: a signed (Django's signing, salted) pair of the
mentorship's id and a random nonce, valid for seven days. Accepting clears the nonce, so a link
works once; it is bound to the invited address: only the account with that email accepts.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from config.site import absolute_url
from learners.lib import mail
from learners.mentors.models import MentorPlan, Mentorship, Share, Status
from learners.models import Plan, User
from learners.web import pagecache

INVITE_SALT = "trajectory.mentors.invite"
INVITE_DAYS = 7
RESEND_EVERY = timedelta(hours=1)
INVITES_A_DAY = 20


class MentorshipError(Exception):
    """A change that can't be made; the message is for the person who tried."""


# --- the invite --------------------------------------------------------------------------------


def token_for(mentorship: Mentorship) -> str:
    return signing.dumps({"m": mentorship.pk, "n": mentorship.nonce}, salt=INVITE_SALT)


def invite_url(mentorship: Mentorship) -> str:
    return absolute_url(reverse("mentor_invite", args=[token_for(mentorship)]))


def invite(learner: User, email: str, message: str = "", now: datetime | None = None) -> Mentorship:
    """Invite `email` (a new invite, or the pending one sent again) and send the email."""
    now = now or timezone.now()
    email = email.strip().lower()
    if email == learner.email.lower():
        raise MentorshipError("You can't mentor yourself: invite someone else.")
    recent = Mentorship.objects.filter(learner=learner, invited_at__gte=now - timedelta(days=1))
    if recent.count() >= INVITES_A_DAY:
        raise MentorshipError("That's enough invites for today; try again tomorrow.")
    existing = Mentorship.objects.filter(
        learner=learner, email=email, status__in=[Status.PENDING, Status.ACTIVE]
    ).first()
    if existing is not None and existing.is_active:
        raise MentorshipError(f"{email} mentors you already.")
    if existing is not None:
        return resend(existing, now)
    try:
        with transaction.atomic():
            mentorship = Mentorship.objects.create(
                learner=learner,
                email=email,
                message=message.strip(),
                nonce=secrets.token_hex(16),
                invited_at=now,
                sent_at=now,
            )
            # The plan under way is what a mentor is usually asked to watch; the learner can
            # choose others, or all, on the Mentors page.
            active = Plan.objects.for_learner(learner).active().first()
            if active is not None:
                MentorPlan.objects.create(mentorship=mentorship, plan=active)
    except IntegrityError:  # two tabs inviting the same address at once
        raise MentorshipError(f"{email} is invited already.") from None
    _send_invite(mentorship)
    return mentorship


def resend(mentorship: Mentorship, now: datetime | None = None) -> Mentorship:
    now = now or timezone.now()
    if mentorship.status != Status.PENDING:
        raise MentorshipError("Only a pending invite can be sent again.")
    if now - mentorship.sent_at < RESEND_EVERY:
        wait = RESEND_EVERY - (now - mentorship.sent_at)
        minutes = max(1, round(wait.total_seconds() / 60))
        raise MentorshipError(
            f"The invite went out less than an hour ago; you can send it again in {minutes} "
            f"minute{'s' if minutes != 1 else ''}."
        )
    # A new link (the old one stops working) that lives seven days from now.
    sent = Mentorship.objects.filter(pk=mentorship.pk, sent_at=mentorship.sent_at).update(
        sent_at=now, nonce=secrets.token_hex(16)
    )
    if not sent:
        raise MentorshipError("The invite went out just now.")
    mentorship.refresh_from_db()
    _send_invite(mentorship)
    return mentorship


def withdraw(mentorship: Mentorship) -> None:
    if mentorship.status == Status.PENDING:
        mentorship.status, mentorship.nonce = Status.WITHDRAWN, ""
        mentorship.ended_at = timezone.now()
        mentorship.save(update_fields=["status", "nonce", "ended_at"])


def _send_invite(mentorship: Mentorship) -> None:
    learner = mentorship.learner
    rendered = mail.render_email(
        "mentor-invite",
        {
            "mentorship": mentorship,
            "learner": learner,
            "accept_url": invite_url(mentorship),
            "days": INVITE_DAYS,
        },
    )
    mail.send(
        mail.message(rendered, mentorship.email, headers={"Auto-Submitted": "auto-generated"})
    )


class InviteProblem(Exception):
    """Why a link can't be used, in words for the page that says so."""


def from_token(token: str) -> Mentorship:
    """The pending mentorship a link names, or InviteProblem with the reason."""
    try:
        data = signing.loads(token, salt=INVITE_SALT, max_age=timedelta(days=INVITE_DAYS))
    except signing.SignatureExpired:
        raise InviteProblem(
            f"This invite link is more than {INVITE_DAYS} days old. Ask for a new one."
        ) from None
    except signing.BadSignature:
        raise InviteProblem("This invite link isn't valid: it may have been cut short.") from None
    if not isinstance(data, dict) or not isinstance(data.get("m"), int):
        raise InviteProblem("This invite link isn't valid.")
    mentorship = Mentorship.objects.select_related("learner").filter(pk=data["m"]).first()
    if mentorship is None or not data.get("n") or mentorship.nonce != data.get("n"):
        raise InviteProblem(
            "This invite link has been used or replaced. If you didn't accept it, ask for a new one."
        )
    if mentorship.status != Status.PENDING:
        raise InviteProblem("This invite is no longer open.")
    return mentorship


def accept(mentorship: Mentorship, user: User, now: datetime | None = None) -> Mentorship:
    if user.email.lower() != mentorship.email:
        raise InviteProblem(
            f"This invite is for another address, and you're logged in as {user.email}. "
            "Log out and sign up or log in with that address."
        )
    if user.pk == mentorship.learner_id:
        raise InviteProblem("You can't mentor yourself.")
    now = now or timezone.now()
    # The conditional update is the single use: a second click (or tab) finds no nonce.
    taken = Mentorship.objects.filter(
        pk=mentorship.pk, status=Status.PENDING, nonce=mentorship.nonce
    ).update(status=Status.ACTIVE, mentor=user, accepted_at=now, nonce="", mentor_read_at=now)
    if not taken:
        raise InviteProblem("This invite has just been used.")
    # The learner's cached pages now carry the comments section and the "ask" form.
    pagecache.touch(mentorship.learner_id)
    mentorship.refresh_from_db()
    return mentorship


def decline(mentorship: Mentorship, user: User) -> None:
    """Only the invited address declines: another account holding the link can't spoil it."""
    if user.email.lower() != mentorship.email:
        raise InviteProblem(
            f"This invite is for another address, and you're logged in as {user.email}."
        )
    Mentorship.objects.filter(pk=mentorship.pk, status=Status.PENDING).update(
        status=Status.DECLINED, nonce="", ended_at=timezone.now()
    )


def end(mentorship: Mentorship) -> None:
    """Either side, at any moment: the mentor's access ends with it."""
    ended = Mentorship.objects.filter(pk=mentorship.pk, status=Status.ACTIVE).update(
        status=Status.ENDED, ended_at=timezone.now()
    )
    if ended:
        pagecache.touch(mentorship.learner_id)


# --- the scope ---------------------------------------------------------------------------------


def set_scope(
    mentorship: Mentorship,
    *,
    all_plans: bool,
    plans: list[Plan],
    notes: str,
    failures: str,
    runs: str,
) -> None:
    for value in (notes, failures, runs):
        if value not in Share.values:
            raise MentorshipError("Share all, only those you mark, or none.")
    if any(plan.learner_id != mentorship.learner_id for plan in plans):
        raise MentorshipError("Choose among your own plans.")
    with transaction.atomic():
        mentorship.all_plans = all_plans
        mentorship.notes, mentorship.failures, mentorship.runs = notes, failures, runs
        mentorship.save(update_fields=["all_plans", "notes", "failures", "runs"])
        MentorPlan.objects.filter(mentorship=mentorship).delete()
        MentorPlan.objects.bulk_create(MentorPlan(mentorship=mentorship, plan=p) for p in plans)


# --- what deleting an account ends --------------------------------------------------------------


def ended_by_deletion(user: User) -> dict[str, int]:
    """What deleting `user`'s account does to other people, for its warning: the mentors who
    lose access to their record, the learners they stop mentoring, and the comments and
    answers they wrote on those learners' records (deleted with the account)."""
    from learners.mentors.models import Comment

    open_ = [Status.PENDING, Status.ACTIVE]
    return {
        "mentors": Mentorship.objects.filter(learner=user, status=Status.ACTIVE).count(),
        "invites": Mentorship.objects.filter(learner=user, status=Status.PENDING).count(),
        "learners": Mentorship.objects.filter(mentor=user, status__in=open_).count(),
        "comments": Comment.objects.filter(author=user).exclude(mentorship__learner=user).count(),
    }

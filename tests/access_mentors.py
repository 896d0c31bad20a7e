"""Access cases for mentors' URLs (see tests/access_cases.py): the learner's Mentors page and
its writes (alice's own mentorships), the invite link (an invite *to* alice), and the mentor's
side (alice mentors carol). Another learner gets a 404 for each mentorship that isn't theirs."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.utils import timezone

from learners.mentors import relationship, threads
from learners.mentors.models import Comment, MentorPlan, Mentorship, ReviewRequest, Visit
from learners.record.models import Failure
from tests.access_cases import Case
from tests.access_experiments import make_run
from tests.factories import make_learner, make_plan

CASES: dict = {
    "mentors_page": Case("own"),
    "mentor_invite_create": Case(
        "own", method="POST", data=(("email", "new-mentor@example.com"), ("message", "Hi"))
    ),
    "mentor_invite_resend": Case("object", method="POST", args=("pending_mentorship",)),
    "mentor_invite_withdraw": Case("object", method="POST", args=("pending_mentorship",)),
    "mentorship_scope": Case(
        "object",
        method="POST",
        args=("active_mentorship",),
        data=(("which_plans", "all"), ("notes", "all"), ("failures", "marked"), ("runs", "none")),
    ),
    "mentorship_end": Case("object", method="POST", args=("active_mentorship",)),
    # The link is the secret: whoever holds it reads who sent it; alice is the one invited.
    "mentor_invite": Case("token", args=("invite_token",)),
    "mentoring_home": Case("own"),
    "mentoring_end": Case("object", method="POST", args=("mentored",)),
    # alice reads carol's record as her mentor; bob, who mentors nobody, gets a 404.
    "mentor_dashboard": Case("object", args=("mentored",)),
    "mentor_plan_detail": Case("object", args=("mentored", "mentee_plan")),
    "mentor_module_detail": Case("object", args=("mentored", "module")),
    "mentor_failure_list": Case("object", args=("mentored",)),
    "mentor_failure_lessons": Case("object", args=("mentored",)),
    "mentor_failure_detail": Case("object", args=("mentored", "mentee_failure")),
    "mentor_timeline": Case("object", args=("mentored",)),
    "mentor_run_list": Case("object", args=("mentored",)),
    "mentor_run_compare": Case("object", args=("mentored",)),
    "mentor_run_detail": Case("object", args=("mentored", "mentee_run")),
    "mentor_run_vs_last_week": Case("object", args=("mentored", "mentee_run")),
    "mentor_module_runs": Case("object", args=("mentored", "module")),
    # Comments and review requests: alice's side on her record, her mentor's side on carol's.
    "comment_hide": Case(
        "object", method="POST", args=("mentor_comment",), data=(("hidden", "on"),)
    ),
    "comment_list": Case("object", args=("failure_field", "failure")),
    "request_new": Case(
        "object",
        method="POST",
        data=(
            ("kind", "failure"),
            ("failure", "@failure"),
            ("mentorship", "@active_mentorship"),
            ("question", "Is this right?"),
        ),
    ),
    "request_detail": Case("object", args=("alice_request",)),
    "request_reply": Case(
        "object", method="POST", args=("alice_request",), data=(("body", "More"),)
    ),
    "request_close": Case("object", method="POST", args=("alice_request",)),
    "unread": Case("own"),
    "inbox_read": Case(
        "own", method="POST", data=(("side", "learner"), ("until", "2026-01-01T00:00:00+00:00"))
    ),
    "mentor_comment_create": Case(
        "object",
        method="POST",
        args=("mentored",),
        data=(("on", "@mentee_failure_target"), ("body", "Nice")),
    ),
    "mentor_comment_edit": Case("object", args=("mentored", "mentors_comment")),
    "mentor_comment_delete": Case("object", method="POST", args=("mentored", "mentors_comment")),
    "mentor_request_detail": Case("object", args=("mentored", "mentee_request")),
    "mentor_request_reply": Case(
        "object", method="POST", args=("mentored", "mentee_request"), data=(("body", "Answer"),)
    ),
    "mentor_request_answered": Case("object", method="POST", args=("mentored", "mentee_request")),
}


def extend_world(world) -> dict:
    alice = world["alice"]
    mia = make_learner("mentor-mia@example.com")
    # Sent over an hour ago, so that sending it again is allowed.
    with time_machine.travel(timezone.now() - timedelta(hours=2)):
        pending = relationship.invite(alice, "pending-mentor@example.com")
    active = relationship.accept(relationship.invite(alice, mia.email), mia)
    # alice mentors carol, and dave has invited alice.
    carol = make_learner("mentee-carol@example.com")
    mentee_plan = make_plan(carol, world["modules"])
    mentored = relationship.accept(relationship.invite(carol, alice.email), alice)
    failure = Failure.objects.create(
        learner=carol,
        module=world["modules"][0],
        title="carol's shared failure",
        lesson="carol's lesson",
        happened_on=carol.local_today(),
        shared_with_mentors=True,
    )
    run = make_run(
        carol,
        world["modules"][0],
        name="carol's shared run",
        metrics={"loss": 1.0},
        shared_with_mentors=True,
    )
    # Comments and requests: mia on alice's failure and a request of alice's to mia; alice's
    # comment on carol's failure and carol's request to alice.
    alices_failure = Failure.objects.get(pk=world["failure"])
    on_alice = threads.comment(active, mia, alices_failure, "mia's comment")
    alices_request = threads.ask(
        active, threads.Subject("failure", failure=alices_failure), "alice asks mia"
    )
    by_alice = threads.comment(mentored, alice, failure, "alice's comment on carol's failure")
    carols_request = threads.ask(
        mentored, threads.Subject("failure", failure=failure), "carol asks alice"
    )
    dave = make_learner("mentee-dave@example.com")
    to_alice = relationship.invite(dave, alice.email)
    return {
        "pending_mentorship": pending.pk,
        "active_mentorship": active.pk,
        "mentored": mentored.pk,
        "mentee_plan": mentee_plan.pk,
        "mentee_failure": failure.pk,
        "mentee_run": run.pk,
        "invite_token": relationship.token_for(to_alice),
        "mentor_comment": on_alice.pk,
        "alice_request": alices_request.pk,
        "mentors_comment": by_alice.pk,
        "mentee_request": carols_request.pk,
        "failure_field": "failure",
        "mentee_failure_target": f"failure:{failure.pk}",
    }


def owners_rows(world) -> list:
    alice = world["alice"]
    return [
        list(Mentorship.objects.filter(learner=alice).values()),
        list(Mentorship.objects.filter(mentor=alice).values()),
        list(MentorPlan.objects.filter(mentorship__learner=alice).values()),
        list(Visit.objects.filter(mentorship__learner=alice).values()),
        list(Comment.objects.filter(mentorship__learner=alice).values()),
        list(Comment.objects.filter(author=alice).values()),
        list(ReviewRequest.objects.filter(mentorship__learner=alice).values()),
        list(ReviewRequest.objects.filter(mentorship__mentor=alice).values()),
    ]


def _share_cases() -> dict:
    return {
        f"{kind}_share": Case("object", method="POST", args=(key,), data=(("shared", "on"),))
        for kind, key in (("note", "note"), ("failure", "failure"), ("run", "experiments_run"))
    }


CASES.update(_share_cases())

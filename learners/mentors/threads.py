"""Comments and review requests: what mentors and learners say to each other about the record.

A mentor comments on a note, failure, run or module the learner shares with them. The author may
edit a comment for `EDIT_MINUTES` and delete it at any time; the learner may hide one from their
record (the author still sees it, marked hidden). A learner asks one mentor for a review of a
checkpoint, a run, two runs side by side or a failure, with a question; both sides write in its
thread, the mentor marks it answered, the learner closes it. Nothing here touches the learner's
own rows, except the "shared" mark of what a review is asked about (asking is sharing).

Every function takes the mentorship it acts through; the views resolve it (an ended or someone
else's mentorship is a 404 before anything here runs).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from curriculum.models import Checkpoint, Module
from learners.experiments.models import Run
from learners.lib import reader
from learners.mentors.models import (
    Comment,
    Mentorship,
    RequestStatus,
    ReviewRequest,
    Share,
    Status,
)
from learners.models import Note, User
from learners.record.models import Failure

EDIT_MINUTES = 15
OPEN_REQUESTS_PER_MENTOR = 20  # open at once, per mentorship: a question is a request, not spam
REQUESTS_A_DAY = 20  # asked, per mentorship, open or since closed
COMMENTS_AN_HOUR = 60  # per author

# What a comment can be on, and the comment's field for it.
TARGETS = {"note": Note, "failure": Failure, "run": Run, "module": Module}
SCOPE_OF = {"note": "notes", "failure": "failures", "run": "runs"}


class ThreadError(Exception):
    """A comment or request that can't be made or changed; the message says why."""


def name_of(user: User) -> str:
    return user.get_full_name() or user.email


# --- comments ---------------------------------------------------------------------------------


def target_field(target) -> str:
    for field, model in TARGETS.items():
        if isinstance(target, model):
            return field
    raise TypeError(f"No comments on {type(target).__name__}")


def comment(mentorship: Mentorship, author: User, target, body: str) -> Comment:
    """`author` (the mentor) comments on `target`, which the view found through the mentor's
    scope; a request's thread takes `reply` instead."""
    _check_rate(author)
    return Comment.objects.create(
        mentorship=mentorship,
        author=author,
        by_mentor=True,
        author_name=name_of(author),
        body=body,
        **{target_field(target): target},
    )


def _check_rate(author: User, now: datetime | None = None) -> None:
    since = (now or timezone.now()) - timedelta(hours=1)
    if Comment.objects.filter(author=author, created_at__gte=since).count() >= COMMENTS_AN_HOUR:
        raise ThreadError("That's a lot of comments for one hour; try again a little later.")


def editable(comment: Comment, user: User, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return comment.author_id == user.pk and now - comment.created_at <= timedelta(
        minutes=EDIT_MINUTES
    )


def edit(comment: Comment, user: User, body: str) -> Comment:
    if comment.request_id is not None:
        raise ThreadError("A message in a review request's thread stays as it was sent.")
    if comment.author_id != user.pk:
        raise ThreadError("Only its author can edit a comment.")
    if not editable(comment, user):
        raise ThreadError(
            f"A comment can be edited for {EDIT_MINUTES} minutes after it's written; "
            "delete it and write another."
        )
    comment.body, comment.edited_at = body, timezone.now()
    comment.save(update_fields=["body", "edited_at"])
    return comment


def delete(comment: Comment, user: User) -> None:
    if comment.request_id is not None:
        raise ThreadError("A message in a review request's thread stays as it was sent.")
    if comment.author_id != user.pk:
        raise ThreadError("Only its author can delete a comment.")
    comment.delete()


def hide(comment: Comment, learner: User, hidden: bool) -> Comment:
    """The learner hides a comment on their record, or shows it again (set, not flipped)."""
    if comment.mentorship.learner_id != learner.pk:
        raise ThreadError("Only the learner whose record it is on can hide a comment.")
    if comment.request_id is not None or not comment.by_mentor:
        raise ThreadError("Only a mentor's comment on your record can be hidden.")
    comment.hidden_at = timezone.now() if hidden else None
    comment.save(update_fields=["hidden_at"])
    return comment


def comments_on(
    learner: User, targets: dict, mentorship: Mentorship | None = None
) -> list[Comment]:
    """The comments on `learner`'s record about any of `targets` ({"note": [ids], "module":
    [ids], …}), oldest first, in one query; a mentor's (`mentorship`) only their own. The
    learner is the filter that matters: a module is everyone's, its comments are not."""
    where = Q(pk__in=[])
    for field, ids in targets.items():
        if ids:
            where |= Q(**{f"{field}_id__in": list(ids)})
    comments = Comment.objects.filter(where, mentorship__learner=learner).select_related(
        "mentorship"
    )
    if mentorship is not None:
        comments = comments.filter(mentorship=mentorship)
    return list(comments)


# --- review requests --------------------------------------------------------------------------


@dataclass(frozen=True)
class Subject:
    """What a review is asked about: one of these, as the learner picked it."""

    kind: str
    checkpoint: Checkpoint | None = None
    run: Run | None = None
    other_run: Run | None = None
    failure: Failure | None = None

    def rows(self) -> list[tuple[str, object]]:
        """The shareable rows it names, with their scope's name."""
        found = [("runs", self.run), ("runs", self.other_run), ("failures", self.failure)]
        return [(scope, row) for scope, row in found if row is not None]


def ask(mentorship: Mentorship, subject: Subject, question: str) -> ReviewRequest:
    """The learner asks `mentorship`'s mentor for a review. Asking about a run or failure the
    scope keeps back shares it, when the scope is "only those I mark"; when it is "none" the
    request is refused, so the mentor is never asked about something they can't open."""
    if not mentorship.is_active:
        raise ThreadError("That mentor no longer mentors you.")
    for scope, _row in subject.rows():
        if getattr(mentorship, scope) == Share.NONE:
            raise ThreadError(
                f"{name_of(mentorship.mentor)} sees none of your {scope}: change what they see on "
                "the Mentors page first, or ask about something else."
            )
    since = timezone.now() - timedelta(days=1)
    if (
        ReviewRequest.objects.filter(mentorship=mentorship, created_at__gte=since).count()
        >= REQUESTS_A_DAY
    ):
        raise ThreadError(
            f"That's {REQUESTS_A_DAY} requests to {name_of(mentorship.mentor)} today; "
            "try again tomorrow."
        )
    if (
        ReviewRequest.objects.filter(mentorship=mentorship, status=RequestStatus.OPEN).count()
        >= OPEN_REQUESTS_PER_MENTOR
    ):
        raise ThreadError(
            f"You have {OPEN_REQUESTS_PER_MENTOR} open requests with "
            f"{name_of(mentorship.mentor)}; close one before asking another."
        )
    with transaction.atomic():
        for scope, row in subject.rows():
            if getattr(mentorship, scope) == Share.MARKED and not row.shared_with_mentors:
                row.shared_with_mentors = True
                row.save(update_fields=["shared_with_mentors"])
        review = ReviewRequest.objects.create(
            mentorship=mentorship,
            kind=subject.kind,
            checkpoint=subject.checkpoint,
            run=subject.run,
            other_run=subject.other_run,
            failure=subject.failure,
            question=question,
        )
        # The mentor's email about it, batched by the hour (learners/mentors/notify.py).
        transaction.on_commit(lambda: _schedule_email(review))
        return review


def _schedule_email(review: ReviewRequest) -> None:
    from learners.mentors import notify

    notify.schedule(review)


def reply(review: ReviewRequest, author: User, body: str, answered: bool = False) -> Comment:
    """A message in the request's thread, from either side; the mentor may mark it answered
    with it. A closed request takes no more messages."""
    mentorship = review.mentorship
    by_mentor = author.pk == mentorship.mentor_id
    if not by_mentor and author.pk != mentorship.learner_id:
        raise ThreadError("Only the learner and their mentor write in this thread.")
    if review.status == RequestStatus.CLOSED:
        raise ThreadError("This request is closed: ask again if there's more to say.")
    if not mentorship.is_active:
        raise ThreadError("This mentorship has ended: nobody would read it.")
    _check_rate(author)
    with transaction.atomic():
        message = Comment.objects.create(
            mentorship=mentorship,
            author=author,
            by_mentor=by_mentor,
            author_name=name_of(author),
            body=body,
            request=review,
        )
        if by_mentor and answered:
            mark_answered(review)
        elif not by_mentor and review.status == RequestStatus.ANSWERED:
            # A follow-up question opens it again.
            ReviewRequest.objects.filter(pk=review.pk).update(status=RequestStatus.OPEN)
            review.status = RequestStatus.OPEN
    return message


def mark_answered(review: ReviewRequest) -> None:
    if review.status != RequestStatus.OPEN:
        return
    review.status, review.answered_at = RequestStatus.ANSWERED, timezone.now()
    review.save(update_fields=["status", "answered_at"])


def close(review: ReviewRequest) -> None:
    if review.status == RequestStatus.CLOSED:
        return
    review.status, review.closed_at = RequestStatus.CLOSED, timezone.now()
    review.save(update_fields=["status", "closed_at"])


# --- unread -----------------------------------------------------------------------------------


def unread_for_learner(learner: User) -> int:
    """Mentors' comments and answers on `learner`'s record since they last read them."""
    return Comment.objects.filter(
        mentorship__learner=learner,
        mentorship__status=Status.ACTIVE,
        by_mentor=True,
        hidden_at=None,
        created_at__gt=F("mentorship__learner_read_at"),
    ).count()


def unread_for_mentor(mentor: User) -> int:
    """Requests and learners' messages in `mentor`'s threads since they last read them."""
    active = Mentorship.objects.of_mentor(mentor)
    messages = Comment.objects.filter(
        mentorship__in=active,
        by_mentor=False,
        created_at__gt=F("mentorship__mentor_read_at"),
    ).count()
    requests = ReviewRequest.objects.filter(
        mentorship__in=active, created_at__gt=F("mentorship__mentor_read_at")
    ).count()
    return messages + requests


def mark_read(user: User, *, as_mentor: bool, until: datetime | None = None) -> None:
    """What was written up to `until` (when the inbox page was made; never later than now) is
    read: what came after stays new. A mark never moves back."""
    now = timezone.now()
    # Between 90 days ago and now: a time from the far past or future changes nothing.
    until = now if until is None else max(min(until, now), now - timedelta(days=90))
    if as_mentor:
        Mentorship.objects.of_mentor(user).filter(mentor_read_at__lt=until).update(
            mentor_read_at=until
        )
    else:
        Mentorship.objects.filter(
            learner=user, status=Status.ACTIVE, learner_read_at__lt=until
        ).update(learner_read_at=until)


def scope_for(kind: str) -> str | None:
    return SCOPE_OF.get(kind)


def visible_to(mentorship: Mentorship, row) -> bool:
    """Whether `mentorship`'s mentor may see `row` now (a review's subject, on the thread page)."""
    from learners.mentors.access import shown_for

    if row is None:
        return False
    with reader.showing(shown_for(mentorship)):
        return reader.sees(row)


# --- what each side sees of the conversation --------------------------------------------------

RECENT_COMMENTS = 20


def link_for(comment: Comment, mentorship_pk: int | None = None) -> str:
    """Where a comment is, for the learner (or, with `mentorship_pk`, for its mentor)."""
    from django.urls import reverse

    def url(name, *args):
        if mentorship_pk is None:
            return reverse(name, args=args)
        if name == "request_detail":
            return reverse("mentor_request_detail", args=[mentorship_pk, *args])
        return reverse(f"mentor_{name}", args=[mentorship_pk, *args])

    if comment.request_id:
        return url("request_detail", comment.request_id)
    if comment.failure_id:
        return url("failure_detail", comment.failure_id) + "#mentor-comments"
    if comment.run_id:
        return url("run_detail", comment.run_id) + "#mentor-comments"
    module = comment.module if comment.module_id else comment.note.module
    return url("module_detail", module.slug) + "#mentor-comments"


def inbox_for_learner(learner: User) -> dict:
    """The Mentors page's "From your mentors": requests still open or lately answered, and the
    newest comments and answers, each with where it is; unread ones marked. Three queries."""
    requests = list(
        ReviewRequest.objects.filter(
            mentorship__learner=learner,
            status__in=[RequestStatus.OPEN, RequestStatus.ANSWERED],
        ).select_related("mentorship__mentor")[:RECENT_COMMENTS]
    )
    comments = list(
        Comment.objects.filter(mentorship__learner=learner, by_mentor=True, hidden_at=None)
        .select_related("mentorship", "note__module", "module")
        .order_by("-created_at", "-id")[:RECENT_COMMENTS]
    )
    for comment in comments:
        comment.link = link_for(comment)
        comment.unread = comment.created_at > comment.mentorship.learner_read_at
    return {"requests": requests, "comments": comments}


def requests_by_mentorship(mentorships) -> dict[int, list[ReviewRequest]]:
    """The open requests of each of a mentor's mentorships, newest first: one query."""
    found: dict[int, list[ReviewRequest]] = {m.pk: [] for m in mentorships}
    for review in ReviewRequest.objects.filter(
        mentorship__in=list(found), status=RequestStatus.OPEN
    ):
        found[review.mentorship_id].append(review)
    return found


def recent_from_learners(mentor: User) -> list[Comment]:
    """The learners' newest messages in this mentor's threads (for the mentor home)."""
    comments = list(
        Comment.objects.filter(mentorship__in=Mentorship.objects.of_mentor(mentor), by_mentor=False)
        .select_related("mentorship__learner")
        .order_by("-created_at", "-id")[:RECENT_COMMENTS]
    )
    for comment in comments:
        comment.link = link_for(comment, comment.mentorship_id)
        comment.unread = comment.created_at > comment.mentorship.mentor_read_at
    return comments

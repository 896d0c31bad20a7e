"""Mentors: someone a learner invites to watch their trajectory, comment on it and answer their
questions. Private by default, the learner in control.

A `Mentorship` starts as an invite (an email address and a signed, single-use link), becomes
active when the invited person accepts it, and ends when either side ends it. Its scope says
which plans the mentor sees and whether notes, failures and runs are shared all, only those the
learner marks (`shared` on each row), or none. Progress, the plan, the pace and hours are always
visible to an active mentor. The marks themselves are `shared_with_mentors` on each note,
failure and run.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from curriculum.models import Checkpoint, Module
from learners.experiments.models import Run
from learners.lib.calendar_fields import CalendarDateTimeField
from learners.lib.ownership import owned
from learners.models import Note, Plan
from learners.record.models import Failure

MESSAGE_LIMIT = 1_000
COMMENT_LIMIT = 5_000
QUESTION_LIMIT = 2_000


class Status(models.TextChoices):
    PENDING = "pending", "Invited"
    ACTIVE = "active", "Mentoring"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Invite withdrawn"
    ENDED = "ended", "Ended"


class Share(models.TextChoices):
    ALL = "all", "All of them"
    MARKED = "marked", "Only those I mark"
    NONE = "none", "None"


class MentorshipQuerySet(models.QuerySet):
    def active(self) -> MentorshipQuerySet:
        return self.filter(status=Status.ACTIVE, mentor__is_active=True)

    def of_mentor(self, user) -> MentorshipQuerySet:
        return self.active().filter(mentor=user)


@owned
class Mentorship(models.Model):
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentorships"
    )
    # Empty until the invite is accepted; then the account that accepted it (its email was
    # the one invited).
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="mentoring",
    )
    email = models.EmailField()  # the address invited, lowercase
    message = models.TextField(max_length=MESSAGE_LIMIT, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    # The invite link's secret part; cleared when the link is used, so it works once.
    nonce = models.CharField(max_length=32, blank=True, editable=False)
    invited_at = CalendarDateTimeField(default=timezone.now)
    sent_at = CalendarDateTimeField(default=timezone.now)  # the invite email, last sent
    accepted_at = CalendarDateTimeField(null=True, blank=True)
    ended_at = CalendarDateTimeField(null=True, blank=True)
    # Scope: every plan, or only those chosen (`MentorPlan`).
    all_plans = models.BooleanField(default=False)
    notes = models.CharField(max_length=10, choices=Share.choices, default=Share.MARKED)
    failures = models.CharField(max_length=10, choices=Share.choices, default=Share.MARKED)
    runs = models.CharField(max_length=10, choices=Share.choices, default=Share.MARKED)
    # What each side has read of the other's comments, answers and requests.
    learner_read_at = CalendarDateTimeField(default=timezone.now)
    mentor_read_at = CalendarDateTimeField(default=timezone.now)

    objects = MentorshipQuerySet.as_manager()

    class Meta:
        ordering = ["-invited_at", "-id"]
        constraints = [
            # One open relationship per learner and address: a second invite is a resend.
            models.UniqueConstraint(
                fields=["learner", "email"],
                condition=Q(status__in=["pending", "active"]),
                name="mentorship_open_once",
            ),
            models.CheckConstraint(
                condition=~Q(status="active") | Q(mentor__isnull=False),
                name="mentorship_active_has_mentor",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} for {self.learner}"

    @property
    def is_active(self) -> bool:
        return self.status == Status.ACTIVE

    @property
    def mentor_name(self) -> str:
        """The mentor's name, or the address invited (an invite not taken, an import)."""
        if self.mentor is not None:
            return self.mentor.get_full_name() or self.mentor.email
        return self.email

    def as_imported(self, learner, now) -> None:
        """Imported (learners/record/importer.py): history, never access. The mentor's consent
        was given on the site that made the file, so an open relationship comes back ended,
        with no account behind it."""
        self.mentor_id, self.nonce = None, ""
        if self.status in {Status.PENDING, Status.ACTIVE}:
            self.status = Status.ENDED if self.status == Status.ACTIVE else Status.WITHDRAWN
            self.ended_at = self.ended_at or now


@owned
class MentorPlan(models.Model):
    """A plan the learner lets this mentor see (when not all of them)."""

    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="plan_scope")
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["mentorship", "plan"], name="mentor_plan_once"),
        ]

    def __str__(self) -> str:
        return f"{self.mentorship_id} sees plan {self.plan_id}"


class Visit(models.Model):
    """A mentor's look at a learner's record: the page and when (kept 90 days)."""

    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="visits")
    path = models.CharField(max_length=500)
    at = CalendarDateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["mentorship", "-at"], name="visit_mentorship_at")]

    def __str__(self) -> str:
        return f"{self.mentorship_id} looked at {self.path}"


class Kind(models.TextChoices):
    """What a review request asks about."""

    CHECKPOINT = "checkpoint", "A checkpoint"
    RUN = "run", "A run"
    COMPARE = "compare", "A comparison of runs"
    FAILURE = "failure", "A failure"


class RequestStatus(models.TextChoices):
    OPEN = "open", "Open"
    ANSWERED = "answered", "Answered"
    CLOSED = "closed", "Closed"


@owned
class ReviewRequest(models.Model):
    """The learner asks one mentor to look at a checkpoint, a run (or two side by side) or a
    failure, with a question. The thread is its comments (`Comment.request`)."""

    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="requests")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    checkpoint = models.ForeignKey(
        Checkpoint, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    run = models.ForeignKey(Run, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    # A compare: `run` beside `other_run`.
    other_run = models.ForeignKey(
        Run, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    failure = models.ForeignKey(
        Failure, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    question = models.TextField(max_length=QUESTION_LIMIT)
    question_html = models.TextField(blank=True)  # rendered and sanitized on save
    status = models.CharField(
        max_length=10, choices=RequestStatus.choices, default=RequestStatus.OPEN
    )
    created_at = CalendarDateTimeField(default=timezone.now)
    answered_at = CalendarDateTimeField(null=True, blank=True)
    closed_at = CalendarDateTimeField(null=True, blank=True)
    # When the mentor was emailed about it (at most one email an hour per learner, batched).
    emailed_at = CalendarDateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["mentorship", "status"], name="request_mentorship_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="checkpoint", checkpoint__isnull=False, run__isnull=True)
                    | Q(kind="run", run__isnull=False, checkpoint__isnull=True)
                    | Q(kind="compare", run__isnull=False, other_run__isnull=False)
                    | Q(kind="failure", failure__isnull=False, run__isnull=True)
                ),
                name="request_names_its_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for mentorship {self.mentorship_id}"

    def save(self, *args, **kwargs) -> None:
        from curriculum.rendering import render_markdown

        self.question_html = render_markdown(self.question, anchors=False)
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.status == RequestStatus.OPEN


@owned
class Comment(models.Model):
    """A mentor's comment on something the learner shared (a note, failure, run or module), or a
    message in a review request's thread (from either side).

    A comment belongs to one mentorship: the learner sees every mentor's, a mentor only those of
    their own mentorship. Deleting the author's account deletes what they wrote.
    """

    # Whose record it is on: the mentorship's learner (not the author, who may be the mentor).
    OWNER_PATH = "mentorship__learner"

    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="comments")
    # Empty for a comment imported from another site, whose author has no account here.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    by_mentor = models.BooleanField()
    author_name = models.CharField(max_length=150)  # as it was when written
    # What it is on: exactly one.
    note = models.ForeignKey(
        Note, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    failure = models.ForeignKey(
        Failure, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    run = models.ForeignKey(Run, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    module = models.ForeignKey(
        Module, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    request = models.ForeignKey(
        ReviewRequest, on_delete=models.CASCADE, null=True, blank=True, related_name="thread"
    )
    body = models.TextField(max_length=COMMENT_LIMIT)
    body_html = models.TextField(blank=True)  # rendered and sanitized on save
    created_at = CalendarDateTimeField(default=timezone.now)
    edited_at = CalendarDateTimeField(null=True, blank=True)
    # The learner hid it from their record (the author still sees it, marked hidden).
    hidden_at = CalendarDateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["mentorship", "created_at"], name="comment_mentorship_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(note__isnull=False, failure=None, run=None, module=None, request=None)
                    | Q(note=None, failure__isnull=False, run=None, module=None, request=None)
                    | Q(note=None, failure=None, run__isnull=False, module=None, request=None)
                    | Q(note=None, failure=None, run=None, module__isnull=False, request=None)
                    | Q(note=None, failure=None, run=None, module=None, request__isnull=False)
                ),
                name="comment_on_one_thing",
            ),
        ]

    def __str__(self) -> str:
        return self.body[:60]

    def save(self, *args, **kwargs) -> None:
        from curriculum.rendering import render_markdown

        self.body_html = render_markdown(self.body, anchors=False)
        if kwargs.get("update_fields") is not None and "body" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "body_html"}
        super().save(*args, **kwargs)

    def as_imported(self, learner, now) -> None:
        """Imported: the learner's own messages are theirs again; a mentor's keep the name
        they were written under, with no account here."""
        self.author_id = None if self.by_mentor else learner.pk

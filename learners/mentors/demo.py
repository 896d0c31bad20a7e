"""The demo's mentor: an account that mentors the demo learner, scope "only those I mark",
with a few of the learner's notes, failures and runs marked and the rest kept private; two of
the mentor's comments, one review request answered and one open."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone

from curriculum.models import Checkpoint
from learners.experiments.models import Run
from learners.mentors.models import (
    Comment,
    Kind,
    MentorPlan,
    Mentorship,
    RequestStatus,
    ReviewRequest,
    Status,
    Visit,
)
from learners.models import Note, Plan, User
from learners.record.models import Failure

MENTOR_EMAIL = "mentor@trajectory.example"
MENTOR_PASSWORD = "trajectory-mentor"  # noqa: S105 — printed on purpose; a local demo account


def seed(learner: User, plan: Plan) -> User:
    mentor, created = User.objects.get_or_create(
        email=MENTOR_EMAIL,
        defaults={"display_name": "Sam (demo mentor)", "time_zone": learner.time_zone},
    )
    if created:
        mentor.set_password(MENTOR_PASSWORD)
        mentor.save(update_fields=["password"])
    now = timezone.now().replace(second=0, microsecond=0)
    mentorship = Mentorship.objects.create(
        learner=learner,
        mentor=mentor,
        email=MENTOR_EMAIL,
        message="Would you watch my pace and tell me when I'm fooling myself?",
        status=Status.ACTIVE,
        invited_at=now - timedelta(weeks=6, days=1),
        sent_at=now - timedelta(weeks=6, days=1),
        accepted_at=now - timedelta(weeks=6),
    )
    MentorPlan.objects.create(mentorship=mentorship, plan=plan)
    # Shared: the oldest failure, the latest note and the two first runs; everything else
    # stays the learner's, among it a failure whose title says so.
    first = Failure.objects.filter(learner=learner).order_by("happened_on", "id").first()
    if first is not None:
        day = first.happened_on + timedelta(days=3)
        # Written that evening, to the minute, like the rest of the demo's history.
        evening = timezone.make_aware(datetime.combine(day, time(21, 30)), learner.tz)
        Failure.objects.create(
            learner=learner,
            module=first.module,
            plan=plan,
            title="PRIVATE: I nearly gave up on the maths",
            what_happened="Three evenings on one derivation and I still couldn't follow it.",
            lesson="Ask for help on the second evening, not the fourth.",
            happened_on=day,
            created_at=evening,
            lesson_at=evening,
        )
    for model, rows in (
        (Failure, [first] if first is not None else []),
        (Note, Note.objects.filter(learner=learner).order_by("-created_at")[:1]),
        (Run, Run.objects.filter(learner=learner).order_by("started_at")[:2]),
    ):
        model.objects.filter(pk__in=[row.pk for row in rows]).update(shared_with_mentors=True)
    _conversation(mentorship, first, now)
    Visit.objects.bulk_create(
        Visit(mentorship=mentorship, path=f"/mentoring/{mentorship.pk}/{path}", at=now - ago)
        for path, ago in (
            ("", timedelta(days=2, hours=3)),
            ("failures/", timedelta(days=2, hours=3, minutes=-4)),
            ("", timedelta(days=9)),
        )
    )
    return mentor


def _conversation(mentorship: Mentorship, failure: Failure | None, now: datetime) -> None:
    """Two comments of Sam's, a request answered and one still open."""
    learner, mentor = mentorship.learner, mentorship.mentor
    runs = list(
        Run.objects.filter(learner=learner, shared_with_mentors=True).order_by("started_at")
    )

    def say(ago: timedelta, body: str, *, by_mentor: bool = True, **on) -> Comment:
        author = mentor if by_mentor else learner
        return Comment.objects.create(
            mentorship=mentorship,
            author=author,
            by_mentor=by_mentor,
            author_name=author.get_full_name() or author.email,
            body=body,
            created_at=now - ago,
            **on,
        )

    if failure is not None:
        say(
            timedelta(days=9),
            "Good lesson. Next time, write the failing batch to disk *before* you change "
            "anything: a bug you can replay is half fixed.",
            failure=failure,
        )
    if runs:
        say(
            timedelta(days=2, hours=2),
            "The curve flattens after step 2k; try a cosine schedule with 500 warm-up steps "
            "before you touch the model.",
            run=runs[0],
        )
        answered = ReviewRequest.objects.create(
            mentorship=mentorship,
            kind=Kind.RUN,
            run=runs[0],
            question="Is a validation loss of this size plausible for a model this small, or "
            "am I leaking the validation set into training?",
            status=RequestStatus.ANSWERED,
            created_at=now - timedelta(days=5),
            answered_at=now - timedelta(days=4, hours=20),
            emailed_at=now - timedelta(days=5),
        )
        say(
            timedelta(days=4, hours=20),
            "Plausible. A leak shows as validation loss *below* training loss; yours sits a "
            "little above it, as it should. Keep the split by document, not by line.",
            request=answered,
        )
    checkpoint = (
        Checkpoint.objects.filter(
            module__progress__learner=learner,
            module__progress__status="in_progress",
            retired=False,
        )
        .exclude(ticks__learner=learner)
        .order_by("module__progress__started_at", "position")
        .first()
    )
    if checkpoint is not None:
        ReviewRequest.objects.create(
            mentorship=mentorship,
            kind=Kind.CHECKPOINT,
            checkpoint=checkpoint,
            question="Before I tick this: is my reading right that the mask must be applied "
            "before the softmax, not after?",
            created_at=now - timedelta(hours=20),
        )

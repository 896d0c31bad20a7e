"""The mentor digest: one email a week to a mentor about every learner they mentor now.

Sent by the weekly sender (learners/weekly/sender.py, `Kind.DIGEST`) at Monday 08:00 on the
mentor's clock, about the week that just ended on it. For each learner: week N of M of the plan
they share with this mentor, the week's hours against its target, the pace line, their last
activity (with the mentor home's quiet flag), their open review requests, and what they wrote in
their review threads that week.

What it shows is what the mentor home shows (learners/mentors/home.py): progress, the plan, the
pace and hours of a shared plan, and the learner's own words in their threads with this
mentor. It names no note, failure or run: a review request says what kind of thing it is about
and the learner's question, never the row's title, which the learner may since have stopped
sharing. Its query count is fixed however many learners (DIGEST_QUERIES; a test pins it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.urls import reverse
from django.utils.text import Truncator

from config.site import absolute_url
from learners.lib import mail
from learners.lib.weeks import local_date, week_bounds
from learners.mentors.home import LearnerRow, rows_for, since_text
from learners.mentors.models import Comment, ReviewRequest
from learners.mentors.threads import link_for, name_of, requests_by_mentorship
from learners.models import User
from learners.plans import reentry
from learners.weekly.report import format_hours, week_text

EXCERPT = 200  # characters of a question or message quoted in the digest
MESSAGES_SHOWN = 5  # per learner; the rest are counted


@dataclass(frozen=True)
class Quote:
    """A review request or a learner's message in one, quoted, with the link to its thread."""

    label: str
    text: str
    link: str
    new: bool = False


@dataclass
class LearnerWeek:
    row: LearnerRow
    week_start: date
    requests: list[Quote]
    messages: list[Quote]
    link: str  # the mentor's read of the learner's record

    @property
    def name(self) -> str:
        return name_of(self.row.learner)

    @property
    def plan(self):
        return self.row.plan

    @property
    def week_number(self) -> int:
        return self.plan.week_number(self.week_start + timedelta(days=6)) if self.plan else 0

    @property
    def hours(self) -> Decimal:
        last = self.week_start + timedelta(days=6)
        minutes = sum(m for day, m in self.row.minutes.items() if self.week_start <= day <= last)
        return Decimal(minutes) / 60

    @property
    def target(self) -> Decimal:
        if self.plan is None:
            return Decimal(0)
        return reentry.week_target(self.plan.weekly_hours, self.plan.pauses.all(), self.week_start)

    @property
    def hours_line(self) -> str:
        """'6 h of 8 h (75%)', or the hours alone without a target."""
        hours = format_hours(self.hours)
        if not self.target:
            return f"{hours} (no target: paused)" if self.plan else hours
        return f"{hours} of {format_hours(self.target)} ({round(100 * self.hours / self.target)}%)"

    @property
    def pace(self) -> str:
        return self.row.forecast.headline if self.row.forecast else ""

    @property
    def last_activity(self) -> str:
        return since_text(self.row.days_quiet)

    @property
    def quiet(self) -> bool:
        return self.row.quiet

    @property
    def messages_shown(self) -> list[Quote]:
        return self.messages[:MESSAGES_SHOWN]

    @property
    def messages_not_shown(self) -> int:
        return max(len(self.messages) - MESSAGES_SHOWN, 0)


@dataclass
class Digest:
    mentor: User
    week_start: date
    learners: list[LearnerWeek]
    links: dict[str, str] = field(default_factory=dict)
    reminder = None  # the weekly sender records a progress email's reminder; a digest has none

    @property
    def name(self) -> str:
        return self.mentor.get_short_name()

    @property
    def week_text(self) -> str:
        return week_text(self.week_start)

    @property
    def open_requests(self) -> int:
        return sum(len(week.requests) for week in self.learners)

    @property
    def quiet_count(self) -> int:
        return sum(week.quiet for week in self.learners)

    @property
    def subject(self) -> str:
        count = len(self.learners)
        parts = [f"{count} learner{'s' if count != 1 else ''}"]
        if self.open_requests:
            parts.append(
                f"{self.open_requests} open review request{'s' if self.open_requests != 1 else ''}"
            )
        if self.quiet_count:
            parts.append(f"{self.quiet_count} quiet")
        return f"Your mentoring week, {self.week_text}: {', '.join(parts)}"


# rows_for (the mentorships with their learners, their plan scope; the active plans with their
# lists, their pauses; the plan states (5); minutes by day; last activity (6)); the open
# requests; the learners' messages of the week.
DIGEST_QUERIES = 18


def build_digest(mentor: User, monday: date, now: datetime) -> Digest | None:
    """The digest about the week starting `monday` (the mentor's calendar), as of `now`; None
    when they mentor nobody now."""
    rows = rows_for(mentor, now, since=monday)
    if not rows:
        return None
    first, end = week_bounds(monday, mentor.tz)
    mentorships = [row.mentorship for row in rows]
    requests = requests_by_mentorship(mentorships)
    messages: dict[int, list[Comment]] = {m.pk: [] for m in mentorships}
    for message in (
        Comment.objects.filter(
            mentorship__in=mentorships,
            by_mentor=False,
            created_at__gte=first,
            created_at__lt=end,
        )
        .select_related("request")
        .order_by("created_at", "id")
    ):
        messages[message.mentorship_id].append(message)
    weeks = [
        LearnerWeek(
            row=row,
            week_start=monday,
            requests=[
                _request_quote(review, first, end)
                for review in sorted(
                    requests[row.mentorship.pk], key=lambda r: (r.created_at, r.pk)
                )
            ],
            messages=[
                Quote(
                    label=_kind_of(message.request),
                    text=_excerpt(message.body),
                    link=absolute_url(link_for(message, row.mentorship.pk)),
                )
                for message in messages[row.mentorship.pk]
            ],
            link=absolute_url(reverse("mentor_dashboard", args=[row.mentorship.pk])),
        )
        for row in rows
    ]
    return Digest(
        mentor=mentor,
        week_start=monday,
        learners=weeks,
        links=links_for(mentor),
    )


def _request_quote(review: ReviewRequest, first: datetime, end: datetime) -> Quote:
    link = reverse("mentor_request_detail", args=[review.mentorship_id, review.pk])
    return Quote(
        label=review.get_kind_display(),
        text=_excerpt(review.question),
        link=absolute_url(link),
        new=first <= review.created_at < end,
    )


def _kind_of(review: ReviewRequest | None) -> str:
    return review.get_kind_display() if review is not None else "A thread"


def _excerpt(text: str) -> str:
    return Truncator(" ".join(text.split())).chars(EXCERPT)


def links_for(mentor: User) -> dict[str, str]:
    from learners.weekly.tokens import digest_unsubscribe_url

    return {
        "mentoring": absolute_url(reverse("mentoring_home")),
        "settings": absolute_url(reverse("settings")),
        "unsubscribe": digest_unsubscribe_url(mentor),
    }


def render_digest(digest: Digest) -> mail.Rendered:
    return mail.render_email("mentor-digest", {"digest": digest})


def digest_message(digest: Digest):
    rendered = render_digest(digest)
    unsubscribe = digest.links["unsubscribe"]
    return mail.message(
        rendered,
        digest.mentor.email,
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )


def this_weeks_digest(mentor: User, now: datetime) -> Digest | None:
    """The digest a mentor would get for the week that just ended on their clock."""
    from learners.lib.weeks import previous_week

    monday, _ = previous_week(local_date(now, mentor.tz))
    return build_digest(mentor, monday, now)

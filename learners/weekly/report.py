"""What a learner's weekly email says, read in a fixed number of queries.

`build_report(learner, week_start, now)` gathers one week of the learner's trajectory: hours
against the target and the week before, checkpoints and modules, failures and lessons,
experiment highlights, the pace forecast, what's next, eight weeks of hours, the streak, and
one older lesson brought back as a spaced reminder. It is the same for the email and the
preview. Its query count does not grow with the learner's history (REPORT_QUERIES; a test pins
it), although a few of them aggregate over it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Exists, Max, Min, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import dateformat

from config.site import absolute_url
from curriculum.models import Checkpoint, Module
from learners.experiments.compare import format_number
from learners.experiments.models import ModuleMetric, Run, RunMetric
from learners.lib.weeks import WEEK, local_date, week_bounds, week_start
from learners.mentors.models import Comment
from learners.mentors.threads import link_for
from learners.models import CheckpointTick, Plan, Status, User
from learners.papers import ledger as papers_ledger
from learners.plans import reentry
from learners.plans.hours import hours_in, minutes_by_day
from learners.plans.pace import Forecast, day_text
from learners.plans.state import ModuleState, PlanState, forecast_for, load_plan_state
from learners.record.models import Failure
from learners.review import summary as review_summary
from learners.review.models import Card, Kind
from learners.review.schedule import retrievability
from learners.review.summary import WeekOfReviews

CHART_WEEKS = 8
CHART_HEIGHT = 80  # px: the tallest bar in the email's chart
EMPTY_BAR = 2  # px: an empty week still shows a sliver, so it reads as "nothing", not "missing"
TEXT_BAR = 20  # characters: the tallest bar in the text part's chart
STREAK_WEEKS = 52  # the streak looks back at most this far: "52+ weeks"
# A lesson comes back when its review card falls due (FSRS, learners/review/): the one due by
# the end of the coming week that the learner is most likely to have forgotten.
REMINDER_GAP_WEEKS = 8  # the same lesson isn't brought back twice within this many weeks
REMINDER_CANDIDATES = 50
FAILURES_SHOWN = 5
# Queries for a learner with an active plan: plan; plan state (5); minutes by day; hours logged
# since the start; the plan's pauses; checkpoints ticked; failures and lessons; the reminder;
# runs; the best change; the week's reviews and the memory of the reviewed cards (2); the
# papers in progress with their ledgers' counts, and the entries checked this week; the
# mentors' comments and answers of the week.
REPORT_QUERIES = 17 + papers_ledger.WEEK_QUERIES


@dataclass(frozen=True)
class WeekBar:
    monday: date
    hours: Decimal
    share: float  # of the tallest bar (the weeks' most, or the target if higher)
    on_target: bool
    is_report_week: bool
    paused: bool = False  # the whole week paused: no target, neither on it nor off it

    @property
    def height(self) -> int:
        """Pixels in the HTML chart."""
        return max(round(CHART_HEIGHT * self.share), EMPTY_BAR)

    @property
    def text_bar(self) -> str:
        """The text part's bar: up to TEXT_BAR blocks, a dot for an empty week."""
        blocks = round(TEXT_BAR * self.share)
        return "█" * blocks if blocks else "·"

    @property
    def empty(self) -> bool:
        return not self.hours

    @property
    def label(self) -> str:
        return dateformat.format(self.monday, "j M")

    @property
    def hours_text(self) -> str:
        return format_hours(self.hours)


@dataclass(frozen=True)
class Highlight:
    """The week's best result on one module's primary metric, against the best before it."""

    module: str
    metric: str
    best: float
    previous: float | None
    lower_is_better: bool

    @property
    def improvement(self) -> float | None:
        """Relative change towards better: 0.14 is 14% better, negative is worse."""
        if self.previous is None or self.previous == 0:
            return None
        change = (self.best - self.previous) / abs(self.previous)
        return -change if self.lower_is_better else change

    @property
    def is_new_best(self) -> bool:
        if self.previous is None:
            return True
        return self.best < self.previous if self.lower_is_better else self.best > self.previous

    @property
    def sentence(self) -> str:
        best, direction = format_number(self.best), "lower" if self.lower_is_better else "higher"
        if self.previous is None:
            return f"{self.metric} on {self.module}: {best}, your first result ({direction} is better)."
        previous = format_number(self.previous)
        if self.is_new_best:
            percent = self.improvement
            better = f", {percent:.0%} better" if percent is not None else ""
            return f"{self.metric} on {self.module}: {previous} → {best}, a new best{better}."
        return (
            f"{self.metric} on {self.module}: {best} this week; your best is still {previous} "
            f"({direction} is better)."
        )


@dataclass(frozen=True)
class MentorWord:
    """A mentor's comment or answer of the week, on the learner's record."""

    comment: Comment
    link: str  # absolute: where it is

    @property
    def author(self) -> str:
        return self.comment.author_name

    @property
    def verb(self) -> str:
        return "answered" if self.comment.request_id else "commented on"

    @property
    def on(self) -> str:
        """What it is on: 'your failure “Loss went NaN”', 'your note on Tokenizers'."""
        comment = self.comment
        if comment.request_id:
            return f"your review request ({comment.request.get_kind_display().lower()})"
        if comment.failure_id:
            return f"your failure “{comment.failure.title}”"
        if comment.run_id:
            return f"your run “{comment.run.name}”"
        if comment.note_id:
            return f"your note on {comment.note.module.title}"
        return comment.module.title


@dataclass
class WeeklyReport:
    learner: User
    plan: Plan
    state: PlanState
    week_start: date
    today: date  # the learner's local date when the report was built
    hours: Decimal
    previous_hours: Decimal
    target: Decimal
    bars: list[WeekBar]
    ticks: int
    finished: list[Module]
    failures: list[Failure]  # logged this week (happened_on in it)
    earlier_lessons: list[Failure]  # lessons written this week for earlier failures
    runs: int
    highlight: Highlight | None
    forecast: Forecast
    streak: int  # weeks in a row on target, ending with this one
    previous_streak: int  # the same, ending the week before (for a streak that just ended)
    reminder: Failure | None
    reviews: WeekOfReviews | None = None
    papers: papers_ledger.WeekOfPapers | None = None
    paused_until: date | None = None  # the plan is paused as the email goes out
    from_mentors: list[MentorWord] = field(default_factory=list)
    links: dict[str, str] = field(default_factory=dict)

    @property
    def week_end(self) -> date:
        return self.week_start + timedelta(days=6)

    @property
    def week_text(self) -> str:
        return week_text(self.week_start)

    @property
    def plan_week(self) -> int:
        return self.plan.week_number(self.week_end)

    @property
    def quiet(self) -> bool:
        """Nothing at all happened this week: the email is a short, kind nudge instead."""
        checked = self.papers.checked if self.papers else 0
        return not any(
            (
                self.hours,
                self.ticks,
                self.finished,
                self.failures,
                self.earlier_lessons,
                self.runs,
                checked,
            )
        )

    @property
    def name(self) -> str:
        return self.learner.get_short_name()

    @property
    def hours_text(self) -> str:
        return format_hours(self.hours)

    @property
    def target_text(self) -> str:
        return format_hours(self.target)

    @property
    def percent_of_target(self) -> int:
        return round(100 * self.hours / self.target) if self.target else 0

    @property
    def against_last_week(self) -> str:
        difference = rounded(self.hours) - rounded(self.previous_hours)
        last = format_hours(self.previous_hours)
        if difference > 0:
            return f"{format_hours(difference)} more than last week ({last})"
        if difference < 0:
            return f"{format_hours(-difference)} less than last week ({last})"
        return f"the same as last week ({last})"

    @property
    def pace_phrase(self) -> str:
        """The subject's second half: 'on track for 3 March', '2 weeks behind'."""
        if self.forecast.state == "on_track":
            return f"on track for {day_text(self.plan.target_end, self.today)}"
        if self.forecast.state == "done":
            return "plan finished"
        headline = self.forecast.headline
        return headline[:1].lower() + headline[1:]

    @property
    def paused_text(self) -> str:
        return day_text(self.paused_until, self.today) if self.paused_until else ""

    @property
    def subject(self) -> str:
        if self.paused_until:
            return f"Your plan is paused until {self.paused_text} — enjoy the break"
        if self.quiet:
            return "A quiet week — your next step is waiting when you are"
        return f"{self.hours_text} this week — {self.pace_phrase}"

    @property
    def next_up(self) -> ModuleState | None:
        return self.state.next_up

    @property
    def next_checkpoint(self) -> Checkpoint | None:
        return self.next_up.next_checkpoint if self.next_up else None

    @property
    def lessons_learned(self) -> list[Failure]:
        """Every lesson written this week: this week's failures' and earlier ones'."""
        first, end = week_bounds(self.week_start, self.learner.tz)
        return [
            failure
            for failure in [*self.failures, *self.earlier_lessons]
            if failure.lesson.strip() and failure.lesson_at and first <= failure.lesson_at < end
        ]

    @property
    def papers_shown(self) -> list[tuple[papers_ledger.PaperProgress, str]]:
        """Papers in progress, each with the absolute link to its ledger."""
        if self.papers is None:
            return []
        return [
            (paper, absolute_url(paper.module.get_absolute_url() + "#ledger"))
            for paper in self.papers.papers
        ]

    @property
    def failures_shown(self) -> list[Failure]:
        return self.failures[:FAILURES_SHOWN]

    @property
    def failures_not_shown(self) -> int:
        return max(len(self.failures) - FAILURES_SHOWN, 0)

    @property
    def reminder_age(self) -> str:
        """How long ago the reminded failure happened: '6 weeks ago'."""
        if self.reminder is None:
            return ""
        weeks = (self.week_start - week_start(self.reminder.happened_on)).days // 7
        return "1 week ago" if weeks == 1 else f"{weeks} weeks ago"

    @property
    def streak_text(self) -> str:
        if self.streak >= STREAK_WEEKS:
            return f"{STREAK_WEEKS}+ weeks in a row on target."
        if self.streak == 1:
            return "On target this week: that's a new streak started."
        if self.streak:
            return f"{self.streak} weeks in a row on target."
        if self.previous_streak >= 2:
            return (
                f"Your {self.previous_streak}-week streak on target paused this week; "
                "next week is a fresh start."
            )
        return f"Next week, {self.target_text} starts a streak."


def build_report(learner: User, monday: date, now: datetime) -> WeeklyReport | None:
    """The report on the week starting `monday`, as of `now`; None without an active plan."""
    plan = Plan.objects.for_learner(learner).active().prefetch_related("pauses").first()
    if plan is None:
        return None
    tz = learner.tz
    today = local_date(now, tz)
    state = load_plan_state(plan)
    target = plan.weekly_hours
    first, end = week_bounds(monday, tz)

    chart_start = monday - WEEK * (CHART_WEEKS - 1)
    streak_start = max(week_start(plan.start_date), monday - WEEK * (STREAK_WEEKS - 1))
    days = minutes_by_day(learner, min(chart_start, streak_start), monday + timedelta(days=6))

    def week_hours(start: date) -> Decimal:
        return hours_in(days, start, start + timedelta(days=6))

    pauses = list(plan.pauses.all())

    def target_of(start: date) -> Decimal:
        """The week's target less its paused days (learners/plans/reentry.py)."""
        return reentry.week_target(plan.weekly_hours, pauses, start)

    weeks = [chart_start + WEEK * i for i in range(CHART_WEEKS)]
    tallest = max([week_hours(start) for start in weeks] + [target])
    bars = [
        WeekBar(
            monday=start,
            hours=week_hours(start),
            share=float(week_hours(start) / tallest) if tallest else 0.0,
            on_target=bool(target_of(start)) and week_hours(start) >= target_of(start),
            is_report_week=start == monday,
            paused=not target_of(start),
        )
        for start in weeks
    ]

    def streak_ending(last: date) -> int:
        """Weeks on target back from `last`; a week paused whole neither counts nor breaks."""
        count, start = 0, last
        while start >= streak_start:
            goal = target_of(start)
            if goal and week_hours(start) < goal:
                break
            count += 1 if goal else 0
            start -= WEEK
        return count

    paused = reentry.current_pause(pauses, today)
    if paused is not None and _announced(learner, paused):
        return None  # "paused until …" was said once: quiet until the plan runs again

    pace = forecast_for(learner, state, today)
    finished = [
        module_state.module
        for module_state in state.modules
        if module_state.status == Status.DONE
        and module_state.progress.finished_at
        and first <= module_state.progress.finished_at < end
    ]
    ticks = CheckpointTick.objects.filter(
        learner=learner, ticked_at__gte=first, ticked_at__lt=end
    ).count()
    this_week = list(
        Failure.objects.filter(learner=learner)
        .filter(
            Q(happened_on__gte=monday, happened_on__lte=monday + timedelta(days=6))
            | Q(lesson_at__gte=first, lesson_at__lt=end)
        )
        .select_related("module")
        .order_by("happened_on", "created_at", "id")
    )
    failures = [f for f in this_week if monday <= f.happened_on <= monday + timedelta(days=6)]
    earlier = [f for f in this_week if f.happened_on < monday and f.lesson.strip()]
    return WeeklyReport(
        learner=learner,
        plan=plan,
        state=state,
        week_start=monday,
        today=today,
        hours=week_hours(monday),
        previous_hours=week_hours(monday - WEEK),
        target=target_of(monday),
        bars=bars,
        ticks=ticks,
        finished=finished,
        failures=failures,
        earlier_lessons=earlier,
        runs=Run.objects.filter(learner=learner, started_at__gte=first, started_at__lt=end).count(),
        highlight=best_change(learner, first, end),
        forecast=pace,
        streak=streak_ending(monday),
        previous_streak=streak_ending(monday - WEEK),
        reminder=spaced_reminder(learner, monday, now),
        reviews=review_summary.for_week(learner, first, end, now),
        papers=papers_ledger.for_week(learner, first, end),
        paused_until=paused.resumes_on if paused else None,
        from_mentors=from_mentors(learner, first, end),
        links=links_for(learner, state),
    )


def from_mentors(learner: User, first: datetime, end: datetime) -> list[MentorWord]:
    """The mentors' comments and answers written this week on the learner's record, oldest
    first, without those the learner hid. One query."""
    comments = (
        Comment.objects.filter(
            mentorship__learner=learner,
            by_mentor=True,
            hidden_at=None,
            created_at__gte=first,
            created_at__lt=end,
        )
        .select_related("note__module", "failure", "run", "module", "request")
        .order_by("created_at", "id")
    )
    return [MentorWord(comment, absolute_url(link_for(comment))) for comment in comments]


def _announced(learner: User, pause) -> bool:
    """Whether an email went out (or is on its way) since the pause began."""
    from learners.weekly.models import Delivery, WeeklyEmail
    from learners.weekly.models import Kind as EmailKind

    return WeeklyEmail.objects.filter(
        learner=learner,
        kind=EmailKind.PROGRESS,
        created_at__gte=pause.created_at,
        status__in=[Delivery.SENT, Delivery.SENDING, Delivery.UNKNOWN],
    ).exists()


def best_change(learner: User, first: datetime, end: datetime) -> Highlight | None:
    """One query: per module and primary metric with runs this week, the best value this week
    and the best before it; the highlight is the biggest improvement (or a first result)."""
    primary = ModuleMetric.objects.filter(
        learner=learner, module=OuterRef("run__module"), name=OuterRef("name")
    )
    this_week = Q(run__started_at__gte=first)
    before = Q(run__started_at__lt=first)
    rows = (
        RunMetric.objects.filter(run__learner=learner, run__started_at__lt=end)
        .filter(Exists(primary))
        .values("run__module_id", "run__module__title", "name")
        .annotate(
            lower_is_better=Subquery(primary.values("lower_is_better")[:1]),
            week_low=Min("value", filter=this_week),
            week_high=Max("value", filter=this_week),
            before_low=Min("value", filter=before),
            before_high=Max("value", filter=before),
        )
        .filter(week_low__isnull=False)
        .order_by("run__module__title", "name")
    )
    highlights = [
        Highlight(
            module=row["run__module__title"],
            metric=row["name"],
            best=row["week_low"] if row["lower_is_better"] else row["week_high"],
            previous=row["before_low"] if row["lower_is_better"] else row["before_high"],
            lower_is_better=row["lower_is_better"],
        )
        for row in rows
        if all(math.isfinite(row[key]) for key in ("week_low", "week_high"))
    ]
    if not highlights:
        return None
    # Biggest improvement first; then new bests without a previous value; then the rest.
    return max(
        highlights,
        key=lambda h: (
            h.is_new_best,
            h.improvement is not None,
            h.improvement if h.improvement is not None else 0.0,
        ),
    )


def spaced_reminder(learner: User, monday: date, now: datetime) -> Failure | None:
    """One lesson from two weeks back or more, brought back on its review card's FSRS
    schedule: of the lesson cards due by the end of the coming week (and not brought back in
    the last REMINDER_GAP_WEEKS emails' weeks), the one the learner is most likely to have
    forgotten. One query."""
    from learners.weekly.models import Kind as EmailKind
    from learners.weekly.models import WeeklyEmail

    recently = WeeklyEmail.objects.filter(
        learner=learner,
        kind=EmailKind.PROGRESS,
        reminder=OuterRef("failure"),
        week_start__gte=monday - WEEK * REMINDER_GAP_WEEKS,
        week_start__lt=monday,
    )
    cards = list(
        Card.objects.filter(
            learner=learner,
            kind=Kind.LESSON,
            suspended=False,
            due__lt=now + WEEK,
            # At least a week before the report week: the email already shows the week's own.
            failure__happened_on__lt=monday - WEEK,
        )
        .exclude(failure__lesson="")
        .exclude(Exists(recently))
        .select_related("failure__module")
        .order_by("due", "id")[:REMINDER_CANDIDATES]
    )
    if not cards:
        return None
    return min(cards, key=lambda card: (retrievability(card, now), card.due, card.id)).failure


# --- links and words ---------------------------------------------------------------------------


def links_for(learner: User, state: PlanState) -> dict[str, str]:
    from learners.weekly.tokens import unsubscribe_url

    links = {
        "dashboard": absolute_url(reverse("dashboard")),
        "plan": absolute_url(state.plan.get_absolute_url()),
        "settings": absolute_url(reverse("settings")),
        "log_time": absolute_url(reverse("session_list")),
        "unsubscribe": unsubscribe_url(learner),
    }
    if state.next_up:
        links["next_module"] = absolute_url(
            reverse("module_detail", args=[state.next_up.module.slug])
        )
    return links


def week_text(monday: date) -> str:
    """'2 – 8 March', '23 February – 1 March', '29 December 2025 – 4 January 2026'."""
    first, last = monday, monday + timedelta(days=6)
    if first.year != last.year:
        return f"{dateformat.format(first, 'j F Y')} – {dateformat.format(last, 'j F Y')}"
    if first.month != last.month:
        return f"{dateformat.format(first, 'j F')} – {dateformat.format(last, 'j F')}"
    return f"{first.day} – {dateformat.format(last, 'j F')}"


def rounded(hours: Decimal) -> Decimal:
    return Decimal(hours).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def format_hours(hours: Decimal) -> str:
    """'12.5 h', '3 h', '0 h': one decimal at most, half up."""
    value = rounded(hours)
    text = f"{value:f}".removesuffix(".0")
    return f"{text} h"

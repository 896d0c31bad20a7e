"""The mentor home: one row per learner they mentor, in a fixed number of queries.

Each row says where the learner stands (week N of M of the plans they share, hours this week
beside the target, the pace line) and how lately they did anything; a learner with nothing for
`QUIET_DAYS` is flagged, unless their plan is paused (a pause is a decision, not silence).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Max, Sum
from django.utils import timezone

from learners.experiments.models import Run
from learners.lib.weeks import local_date, week_start
from learners.mentors.models import Mentorship
from learners.models import CheckpointTick, ModuleProgress, Note, Plan, StudySession, User
from learners.plans.pace import Forecast
from learners.plans.state import PlanState, forecast_for, load_plan_states
from learners.record.models import Failure

QUIET_DAYS = 10


@dataclass
class LearnerRow:
    mentorship: Mentorship
    learner: User
    today: date
    plan: Plan | None  # the active plan, when the learner shares it with this mentor
    state: PlanState | None
    forecast: Forecast | None
    hours_this_week: Decimal
    last_activity: date | None
    # Minutes studied by day (the learner's calendar) since the earliest day the rows needed.
    minutes: dict[date, int] = field(default_factory=dict)

    @property
    def week_number(self) -> int:
        return self.plan.week_number(self.today) if self.plan else 0

    @property
    def paused_until(self) -> date | None:
        if self.plan is None:
            return None
        for pause in self.plan.pauses.all():
            if pause.starts_on <= self.today < pause.resumes_on:
                return pause.resumes_on
        return None

    @property
    def days_quiet(self) -> int | None:
        return None if self.last_activity is None else (self.today - self.last_activity).days

    @property
    def quiet(self) -> bool:
        if self.paused_until is not None:
            return False
        quiet = self.days_quiet
        return quiet is None or quiet >= QUIET_DAYS

    @property
    def share_of_target(self) -> int:
        """This week's hours as a percentage of the plan's weekly target (for the bar)."""
        if not self.plan or not self.plan.weekly_hours:
            return 0
        return min(100, round(float(self.hours_this_week) / float(self.plan.weekly_hours) * 100))


def rows_for(
    mentor: User, now: datetime | None = None, *, since: date | None = None
) -> list[LearnerRow]:
    """Every learner `mentor` mentors now, in about a dozen queries however many there are.
    `since`: read each row's minutes by day from then on at least (the digest's week)."""
    now = now or timezone.now()
    mentorships = list(
        Mentorship.objects.of_mentor(mentor)
        .filter(learner__is_active=True)
        .select_related("learner")
        .prefetch_related("plan_scope")
        .order_by("learner__display_name", "learner__email", "id")
    )
    if not mentorships:
        return []
    learners = {m.learner_id: m.learner for m in mentorships}
    today = {pk: local_date(now, learner.tz) for pk, learner in learners.items()}
    plans = {
        plan.learner_id: plan
        for plan in Plan.objects.filter(learner_id__in=learners)
        .active()
        .select_related("module_list")
        .prefetch_related("pauses")
        # The last one seen per learner wins: their newest active plan.
        .order_by("learner_id", "start_date", "id")
    }
    shared = {m.pk: _shared_plan(m, plans.get(m.learner_id)) for m in mentorships}
    states = load_plan_states([plan for plan in shared.values() if plan is not None])
    earliest = min(
        [week_start(day) for day in today.values()]
        + [plan.start_date for plan in plans.values()]
        + ([since] if since else [])
    )
    # Minutes by learner and day since the earliest day any row needs (one query).
    minutes: dict[int, dict[date, int]] = {pk: {} for pk in learners}
    for learner_id, day, total in (
        StudySession.objects.filter(learner_id__in=learners, date__gte=earliest)
        .values_list("learner_id", "date")
        .annotate(total=Sum("minutes"))
        .order_by()
    ):
        minutes[learner_id][day] = total
    last = _last_activity(learners)
    rows = []
    for mentorship in mentorships:
        learner = mentorship.learner
        day = today[learner.pk]
        plan = shared[mentorship.pk]
        state = states.get(plan.pk) if plan else None
        monday = week_start(day)
        week = sum(m for d, m in minutes[learner.pk].items() if monday <= d <= day)
        forecast = None
        if plan is not None and state is not None:
            since = sum(m for d, m in minutes[learner.pk].items() if d >= plan.start_date)
            forecast = forecast_for(learner, state, day, logged=Decimal(since) / 60)
        rows.append(
            LearnerRow(
                mentorship=mentorship,
                learner=learner,
                today=day,
                plan=plan,
                state=state,
                forecast=forecast,
                hours_this_week=Decimal(week) / 60,
                last_activity=last.get(learner.pk),
                minutes=minutes[learner.pk],
            )
        )
    return rows


def _shared_plan(mentorship: Mentorship, plan: Plan | None) -> Plan | None:
    """The learner's active plan if this mentor may see it."""
    if plan is None:
        return None
    if mentorship.all_plans or plan.pk in {row.plan_id for row in mentorship.plan_scope.all()}:
        return plan
    return None


def _last_activity(learners: dict[int, User]) -> dict[int, date]:
    """The learner's local day of their latest session, tick, status change, note, failure or
    run (one grouped query each)."""
    latest: dict[int, date] = {}

    def keep(learner_id: int, day: date | None) -> None:
        if day is not None and (learner_id not in latest or day > latest[learner_id]):
            latest[learner_id] = day

    ids = list(learners)
    for learner_id, day in (
        StudySession.objects.filter(learner_id__in=ids)
        .values("learner_id")
        .annotate(last=Max("date"))
        .values_list("learner_id", "last")
    ):
        keep(learner_id, day)
    for model, column in (
        (CheckpointTick, "ticked_at"),
        (ModuleProgress, "updated_at"),
        (Note, "updated_at"),
        (Failure, "created_at"),
        (Run, "created_at"),
    ):
        for learner_id, moment in (
            model._base_manager.filter(learner_id__in=ids)
            .values("learner_id")
            .annotate(last=Max(column))
            .values_list("learner_id", "last")
        ):
            if moment is not None:
                keep(learner_id, local_date(moment, learners[learner_id].tz))
    return latest


def since_text(days: int | None) -> str:
    if days is None:
        return "nothing logged yet"
    if days <= 0:
        return "today"
    if days == 1:
        return "yesterday"
    return f"{days} days ago"

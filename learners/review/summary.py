"""What the dashboard, the module page and the weekly email show of reviews.

The *_QUERIES constants say what each costs, so the pages' query-count tests stay exact.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from curriculum.models import Module
from learners.lib.svg import coord, join_svg
from learners.lib.weeks import local_midnight, week_start
from learners.models import User
from learners.review import queue
from learners.review.models import Card, Kind, PausedModule, Rating, Review, State
from learners.review.schedule import retrievability

# started today, due today, the next due time, the last review, recent review times
DASHBOARD_QUERIES = 5
# the module's cards, its reviews of the last 8 weeks, its questions, whether it is paused
MODULE_QUERIES = 4
RETENTION_DAYS = 30
CHART_WEEKS = 8
QUESTIONS_SHOWN = 20


@dataclass
class DashboardReviews:
    today: queue.Today
    has_cards: bool


def for_dashboard(learner: User, now: datetime | None = None) -> DashboardReviews:
    today = queue.today(learner, now)
    return DashboardReviews(today=today, has_cards=bool(today.due_today or today.next_at))


@dataclass
class ModuleReviews:
    module: Module
    cards: int
    reviewed: int  # reviews in the last 30 days
    remembered: int  # … answered Good or Easy
    recall_today: float | None  # mean FSRS retrievability of the reviewed cards, today
    weeks: list[tuple[date, int, int]]  # (Monday, reviews, remembered), oldest first
    questions: list[Card]
    paused: bool
    chart: SafeString = field(default=SafeString(""))

    @property
    def remembered_percent(self) -> int | None:
        return round(100 * self.remembered / self.reviewed) if self.reviewed else None

    @property
    def recall_percent(self) -> int | None:
        return None if self.recall_today is None else round(100 * self.recall_today)


def for_module(learner: User, module: Module, now: datetime | None = None) -> ModuleReviews:
    now = now or timezone.now()
    cards = list(
        Card.objects.filter(learner=learner, module=module).only(
            "id", "state", "step", "stability", "difficulty", "due", "last_review"
        )
    )
    reviewed = [card for card in cards if card.last_review is not None]
    recall = (
        sum(retrievability(card, now) for card in reviewed) / len(reviewed) if reviewed else None
    )
    today = now.astimezone(learner.tz).date()
    first_monday = week_start(today) - timedelta(weeks=CHART_WEEKS - 1)
    since = min(
        local_midnight(first_monday, learner.tz),
        now - timedelta(days=RETENTION_DAYS),
    )
    rows = list(
        Review.objects.filter(learner=learner, card__module=module, reviewed_at__gte=since)
        .values_list("reviewed_at", "rating")
        .order_by()
    )
    recent = now - timedelta(days=RETENTION_DAYS)
    last_30 = [rating for at, rating in rows if at >= recent]
    weeks = []
    for index in range(CHART_WEEKS):
        monday = first_monday + timedelta(weeks=index)
        start = local_midnight(monday, learner.tz)
        end = local_midnight(monday + timedelta(weeks=1), learner.tz)
        week = [rating for at, rating in rows if start <= at < end]
        weeks.append((monday, len(week), sum(1 for r in week if r >= Rating.GOOD)))
    summary = ModuleReviews(
        module=module,
        cards=len(cards),
        reviewed=len(last_30),
        remembered=sum(1 for rating in last_30 if rating >= Rating.GOOD),
        recall_today=recall,
        weeks=weeks,
        questions=list(
            Card.objects.filter(learner=learner, module=module, kind=Kind.QUESTION).order_by(
                "-created_at", "-id"
            )[:QUESTIONS_SHOWN]
        ),
        paused=PausedModule.objects.filter(learner=learner, module=module).exists(),
    )
    summary.chart = retention_chart(weeks, id_prefix=f"retention-{module.slug}")
    return summary


@dataclass
class WeekOfReviews:
    reviews: int
    remembered: int
    forgetting: Module | None  # the module whose reviewed cards the learner recalls least
    forgetting_recall: int | None  # … its mean retrievability today, in percent

    @property
    def remembered_percent(self) -> int | None:
        return round(100 * self.remembered / self.reviews) if self.reviews else None


def for_week(learner: User, first: datetime, end: datetime, now: datetime) -> WeekOfReviews:
    """Two queries: the week's reviews, and the reviewed cards' memory today by module."""
    totals = Review.objects.filter(
        learner=learner, reviewed_at__gte=first, reviewed_at__lt=end
    ).aggregate(all=Count("id"), good=Count("id", filter=Q(rating__gte=Rating.GOOD)))
    recall: dict[int, list[float]] = {}
    modules: dict[int, Module] = {}
    for card in Card.objects.filter(
        learner=learner, last_review__isnull=False, suspended=False, state=State.REVIEW
    ).select_related("module"):
        recall.setdefault(card.module_id, []).append(retrievability(card, now))
        modules[card.module_id] = card.module
    worst = min(recall, key=lambda m: (sum(recall[m]) / len(recall[m]), m), default=None)
    return WeekOfReviews(
        reviews=totals["all"],
        remembered=totals["good"],
        forgetting=modules.get(worst),
        forgetting_recall=(
            round(100 * sum(recall[worst]) / len(recall[worst])) if worst is not None else None
        ),
    )


# --- the module page's chart -------------------------------------------------------------------

WIDTH, HEIGHT = 320, 96
LEFT, RIGHT, TOP, BOTTOM = 28, 312, 10, 74


def retention_chart(weeks: list[tuple[date, int, int]], *, id_prefix: str) -> SafeString:
    """Bars of the share of reviews remembered each week (an empty slot for a week without
    reviews), with the numbers as a visually hidden table: the same SVG conventions as the
    dashboard's charts (learners/dashboard/charts.py)."""
    if not any(count for _, count, _ in weeks):
        return SafeString("")
    slot = (RIGHT - LEFT) / len(weeks)
    parts = [
        format_html(
            '<line class="chart-axis" x1="{}" y1="{}" x2="{}" y2="{}"/>',
            LEFT,
            BOTTOM,
            RIGHT,
            BOTTOM,
        ),
        format_html(
            '<text class="chart-label" x="{}" y="{}" text-anchor="end">100%</text>',
            LEFT - 4,
            TOP + 4,
        ),
    ]
    for index, (monday, count, good) in enumerate(weeks):
        x = LEFT + slot * index + slot * 0.15
        label = monday.strftime("%-d %b")
        if count:
            share = good / count
            height = max(share * (BOTTOM - TOP), 1.5)
            parts.append(
                format_html(
                    '<rect class="bar" x="{}" y="{}" width="{}" height="{}" rx="2">'
                    "<title>Week of {}: {} of {} remembered</title></rect>",
                    coord(x),
                    coord(BOTTOM - height),
                    coord(slot * 0.7),
                    coord(height),
                    label,
                    good,
                    count,
                )
            )
        if index % 2 == len(weeks) % 2 or index == len(weeks) - 1:
            parts.append(
                format_html(
                    '<text class="chart-label" x="{}" y="{}" text-anchor="middle">{}</text>',
                    coord(x + slot * 0.35),
                    BOTTOM + 14,
                    label,
                )
            )
    rows = format_html_join_rows(weeks)
    return format_html(
        '<svg class="chart retention-chart" viewBox="0 0 {} {}" width="100%" role="img" '
        'aria-labelledby="{}-title" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{}-title">Share of reviews remembered, week by week</title>{}</svg>'
        '<table class="visually-hidden"><caption>Reviews remembered per week</caption>'
        '<thead><tr><th scope="col">Week of</th><th scope="col">Reviews</th>'
        '<th scope="col">Remembered</th></tr></thead><tbody>{}</tbody></table>',
        WIDTH,
        HEIGHT,
        id_prefix,
        id_prefix,
        join_svg(parts),
        rows,
    )


def format_html_join_rows(weeks: list[tuple[date, int, int]]) -> SafeString:
    return join_svg(
        format_html(
            '<tr><th scope="row">{}</th><td class="num">{}</td><td class="num">{}</td></tr>',
            monday.strftime("%-d %b %Y"),
            count,
            good,
        )
        for monday, count, good in weeks
    )

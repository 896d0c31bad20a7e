"""The learner's record as one Markdown file that reads well on its own: plans, then each
module in the order the learner met it (progress, confidence, notes, failures and lessons,
sessions, runs), then every lesson learned.

What the learner wrote is copied as written (it is already Markdown); only its headings are
moved down a level or more, so a "# Heading" in a note can't break the journal's outline.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, datetime

from django.utils import timezone

from curriculum.models import Module
from learners.experiments.models import Run
from learners.models import (
    CheckpointTick,
    ConfidenceRating,
    ModuleProgress,
    Note,
    Plan,
    Status,
    StudySession,
    User,
)
from learners.record.models import Failure

_HEADING = re.compile(r"^(#{1,6})(\s)")
_FENCE = re.compile(r"^\s*(```|~~~)")


def journal(learner: User, *, now: datetime | None = None) -> str:
    now = now or timezone.now()
    tz = learner.tz
    module_rows = _by_module(learner)
    order = _module_order(module_rows)
    modules = Module.objects.in_bulk(order)
    lines = [
        f"# Trajectory journal: {learner.get_full_name()}",
        "",
        f"Written {_day(now.astimezone(tz).date())}. Everything below is your own record; "
        "the modules' texts are in the curriculum.",
        "",
    ]
    lines += _plans(learner)
    lines += ["## Modules", ""]
    if not order:
        lines += ["Nothing recorded yet.", ""]
    for module_id in order:
        lines += _module(modules[module_id], module_rows[module_id], tz)
    lines += _unfiled_sessions(module_rows.get(None, {}))
    lines += _lessons(learner, tz)
    return "\n".join(lines).rstrip() + "\n"


def _by_module(learner: User) -> dict:
    rows: dict = defaultdict(lambda: defaultdict(list))
    sources = {
        "progress": ModuleProgress.objects.filter(learner=learner),
        "ratings": ConfidenceRating.objects.filter(learner=learner).order_by("at", "id"),
        "ticks": CheckpointTick.objects.filter(learner=learner)
        .select_related("checkpoint")
        .order_by("ticked_at", "id"),
        "notes": Note.objects.filter(learner=learner).order_by("created_at", "id"),
        "failures": Failure.objects.for_learner(learner).order_by(
            "happened_on", "created_at", "id"
        ),
        "sessions": StudySession.objects.filter(learner=learner).order_by("date", "created_at"),
        "runs": Run.objects.filter(learner=learner)
        .prefetch_related("metrics")
        .order_by("started_at", "id"),
    }
    for name, queryset in sources.items():
        for row in queryset:
            module_id = row.checkpoint.module_id if name == "ticks" else row.module_id
            rows[module_id][name].append(row)
    return rows


def _module_order(module_rows: dict) -> list[int]:
    """Modules in the order the learner met them: first session, note, tick or start."""

    def first(module_id) -> datetime | date:
        found = module_rows[module_id]
        moments = [p.started_at for p in found["progress"] if p.started_at]
        moments += [n.created_at for n in found["notes"][:1]]
        moments += [t.ticked_at for t in found["ticks"][:1]]
        moments += [f.created_at for f in found["failures"][:1]]
        moments += [r.started_at for r in found["runs"][:1]]
        moments += [
            timezone.make_aware(datetime.combine(s.date, datetime.min.time()))
            for s in found["sessions"][:1]
        ]
        moments += [r.at for r in found["ratings"][:1]]
        return min(moments) if moments else timezone.now()

    def recorded(module_id) -> bool:
        """Anything beyond the untouched progress row every module of a plan gets."""
        found = module_rows[module_id]
        touched = any(p.status != Status.NOT_STARTED for p in found["progress"])
        return touched or any(rows for name, rows in found.items() if name != "progress")

    return sorted((key for key in module_rows if key is not None and recorded(key)), key=first)


def _plans(learner: User) -> list[str]:
    plans = list(
        Plan.objects.filter(learner=learner)
        .select_related("module_list")
        .prefetch_related("items__module")
        .order_by("start_date", "created_at")
    )
    if not plans:
        return []
    lines = ["## Plans", ""]
    for plan in plans:
        lines += [f"### {_one_line(plan.goal)} ({plan.get_status_display().lower()})", ""]
        facts = [
            f"{_day(plan.start_date)} to {_day(plan.target_end)}",
            f"{plan.weekly_hours.normalize():f} hours a week",
        ]
        if plan.module_list:
            facts.append(f"from the list “{plan.module_list.title}”")
        lines += [" · ".join(facts), ""]
        for position, item in enumerate(plan.items.all(), start=1):
            optional = "" if item.required else " (optional)"
            lines.append(f"{position}. {item.module.title}{optional}")
        lines.append("")
    return lines


def _module(module: Module, rows: dict, tz) -> list[str]:
    lines = [f"### {module.title}", ""]
    facts = []
    for progress in rows["progress"]:
        facts.append(progress.get_status_display())
        if progress.started_at:
            facts.append(f"started {_day(progress.started_at.astimezone(tz).date())}")
        if progress.finished_at:
            facts.append(f"finished {_day(progress.finished_at.astimezone(tz).date())}")
    minutes = sum(session.minutes for session in rows["sessions"])
    if minutes:
        count = len(rows["sessions"])
        facts.append(f"{minutes / 60:.1f} hours in {count} session{'s' if count != 1 else ''}")
    if rows["ratings"]:
        facts.append("confidence " + " → ".join(str(r.value) for r in rows["ratings"]) + " of 5")
    if facts:
        lines += [" · ".join(facts), ""]
    if rows["ticks"]:
        lines += ["#### Checkpoints done", ""]
        lines += [
            f"- {_one_line(tick.checkpoint.text)} ({_day(tick.ticked_at.astimezone(tz).date())})"
            for tick in rows["ticks"]
        ]
        lines.append("")
    if rows["notes"]:
        lines += ["#### Notes", ""]
        for note in rows["notes"]:
            lines += [f"*{_moment(note.created_at, tz)}*", "", _demoted(note.body), ""]
    if rows["failures"]:
        lines += ["#### Failures", ""]
        for failure in rows["failures"]:
            lines += _failure(failure)
    if rows["runs"]:
        lines += ["#### Experiment runs", ""]
        for run in rows["runs"]:
            metrics = ", ".join(f"{m.name} = {m.value:g}" for m in run.metrics.all())
            code = f" · `{run.git_sha[:12]}`" if run.git_sha else ""
            lines.append(
                f"- {_moment(run.started_at, tz)}: {_one_line(run.name)} · "
                f"{run.get_outcome_display().lower()}{code}" + (f" · {metrics}" if metrics else "")
            )
        lines.append("")
    if rows["sessions"]:
        lines += ["#### Study sessions", ""]
        lines += [_session(session) for session in rows["sessions"]]
        lines.append("")
    return lines


def _failure(failure: Failure) -> list[str]:
    facts = [failure.get_category_display(), "resolved" if failure.resolved else "open"]
    if failure.minutes_lost:
        facts.append(f"{failure.minutes_lost} minutes lost")
    lines = [
        f"##### {_one_line(failure.title)}",
        "",
        f"*{_day(failure.happened_on)} · {' · '.join(facts)}*",
        "",
    ]
    if failure.what_happened.strip():
        lines += [_demoted(failure.what_happened), ""]
    if failure.has_lesson:
        lines += ["**Lesson learned:**", "", _quoted(_demoted(failure.lesson)), ""]
    return lines


def _unfiled_sessions(rows: dict) -> list[str]:
    sessions = rows.get("sessions", [])
    if not sessions:
        return []
    return ["### Study time on no particular module", "", *map(_session, sessions), ""]


def _session(session: StudySession) -> str:
    text = f"- {_day(session.date)}: {session.minutes} minutes"
    return text + (f", {_one_line(session.description)}" if session.description else "")


def _lessons(learner: User, tz) -> list[str]:
    lessons = list(
        Failure.objects.for_learner(learner)
        .exclude(lesson="")
        .select_related("module")
        .order_by("lesson_at", "id")
    )
    if not lessons:
        return []
    lines = ["## Lessons learned", ""]
    for failure in lessons:
        learned = failure.lesson_at.astimezone(tz).date() if failure.lesson_at else None
        lines += [
            f"**{_one_line(failure.title)}** ({failure.module.title}"
            + (f", {_day(learned)}" if learned else "")
            + ")",
            "",
            _quoted(_demoted(failure.lesson)),
            "",
        ]
    return lines


# --- text ------------------------------------------------------------------------------------


def _day(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def _moment(moment: datetime, tz) -> str:
    local = moment.astimezone(tz)
    return f"{_day(local.date())}, {local:%H:%M}"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _demoted(text: str, levels: int = 4) -> str:
    """Move the text's headings down `levels` (to at most ######), outside fenced code."""
    out, fenced = [], False
    for line in text.replace("\r\n", "\n").split("\n"):
        if _FENCE.match(line):
            fenced = not fenced
        elif not fenced and (match := _HEADING.match(line)):
            depth = min(6, len(match.group(1)) + levels)
            line = "#" * depth + line[len(match.group(1)) :]
        out.append(line)
    return "\n".join(out).strip()


def _quoted(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.split("\n"))

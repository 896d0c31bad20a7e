"""The learner's side of a module page: status, checkpoints, confidence, notes, time spent."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Sum

from curriculum.models import Module
from learners.experiments import summary as experiments_summary
from learners.models import (
    CheckpointTick,
    ConfidenceRating,
    ModuleProgress,
    Note,
    Plan,
    PlanItem,
    Status,
    StudySession,
    Timer,
    User,
)
from learners.plans.state import ModuleState
from learners.record import summary as record_summary

NOTES_SHOWN = 20
SESSIONS_SHOWN = 10
RATINGS_SHOWN = 20


@dataclass
class ModulePanel:
    module: Module
    state: ModuleState
    in_plan: PlanItem | None
    active_plan: Plan | None

    notes: list[Note]
    more_notes: bool
    sessions: list[StudySession]
    session_minutes: int
    session_count: int
    ratings: list[ConfidenceRating]  # oldest first
    timer: Timer | None
    record: object = None  # learners.record.summary.for_module()
    experiments: object = None  # learners.experiments.summary.for_module()

    status_choices = Status.choices

    @property
    def hours_spent(self) -> float:

        return round(self.session_minutes / 60, 1)


def build_module_panel(learner: User, module: Module) -> ModulePanel:
    """Nine queries: progress, ticks, active plan, its item, notes, sessions, their total,
    ratings, the running timer.



    `module.checkpoints` must be prefetched (Module.objects.for_page() does).
    """
    checkpoints = list(module.checkpoints.all())
    progress = ModuleProgress.objects.filter(learner=learner, module=module).first()
    ticked = set(
        CheckpointTick.objects.filter(learner=learner, checkpoint__module=module).values_list(
            "checkpoint_id", flat=True
        )
    )
    active_plan = Plan.objects.for_learner(learner).active().first()
    in_plan = (
        PlanItem.objects.filter(plan=active_plan, module=module).first() if active_plan else None
    )

    notes = list(Note.objects.filter(learner=learner, module=module)[: NOTES_SHOWN + 1])
    sessions = StudySession.objects.filter(learner=learner, module=module)
    totals = sessions.aggregate(minutes=Sum("minutes"), count=Count("id"))
    ratings = list(ConfidenceRating.objects.filter(learner=learner, module=module)[:RATINGS_SHOWN])
    return ModulePanel(
        module=module,
        state=ModuleState(
            module=module,
            progress=progress,
            checkpoints=checkpoints,
            ticked_ids={c.id for c in checkpoints if c.id in ticked},
        ),
        in_plan=in_plan,
        active_plan=active_plan,
        notes=notes[:NOTES_SHOWN],
        more_notes=len(notes) > NOTES_SHOWN,
        sessions=list(sessions[:SESSIONS_SHOWN]),
        session_minutes=totals["minutes"] or 0,
        session_count=totals["count"],
        ratings=list(reversed(ratings)),
        timer=Timer.objects.filter(learner=learner).select_related("module").first(),
        record=record_summary.for_module(learner, module),
        experiments=experiments_summary.for_module(learner, module),
    )

"""The learner's side of a module page: status, checkpoints, confidence, notes, time spent."""

from __future__ import annotations

from functools import cached_property

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
from learners.papers import ledger as papers_ledger
from learners.papers.forms import EntryForm
from learners.plans.state import ModuleState
from learners.record import summary as record_summary
from learners.review import summary as review_summary
from learners.study.forms import SessionForm, session_form_for
from learners.study.lesson import marks_fit

NOTES_SHOWN = 20
SESSIONS_SHOWN = 10
RATINGS_SHOWN = 20


class ModulePanel:
    """The learner's side of one module page, each part read when first used.

    The page uses every part — nine queries: progress, ticks, active plan, its item, notes,
    sessions, their total, ratings, the running timer, then the record's and experiments'
    sections. An htmx write's answer uses only the fragments it can have changed
    (templates/study/_fragments.html), so a tick reads progress and ticks, a note the notes.

    The module's checkpoints are read once (`Module.active_checkpoints`).
    """

    status_choices = Status.choices

    def __init__(self, learner: User, module: Module) -> None:
        self.learner = learner
        self.module = module

    @cached_property
    def state(self) -> ModuleState:
        checkpoints = self.module.active_checkpoints
        progress = ModuleProgress.objects.filter(learner=self.learner, module=self.module).first()
        ticked = set(
            CheckpointTick.objects.filter(
                learner=self.learner, checkpoint__module=self.module
            ).values_list("checkpoint_id", flat=True)
        )
        return ModuleState(
            module=self.module,
            progress=progress,
            checkpoints=checkpoints,
            ticked_ids={c.id for c in checkpoints if c.id in ticked},
        )

    @cached_property
    def active_plan(self) -> Plan | None:
        return Plan.objects.for_learner(self.learner).active().first()

    @cached_property
    def in_plan(self) -> PlanItem | None:
        if self.active_plan is None:
            return None
        return PlanItem.objects.filter(plan=self.active_plan, module=self.module).first()

    @cached_property
    def _notes(self) -> list[Note]:
        notes = Note.objects.filter(learner=self.learner, module=self.module)
        return list(notes[: NOTES_SHOWN + 1])

    @property
    def notes(self) -> list[Note]:
        return self._notes[:NOTES_SHOWN]

    @property
    def more_notes(self) -> bool:
        return len(self._notes) > NOTES_SHOWN

    @cached_property
    def _sessions(self):
        return StudySession.objects.filter(learner=self.learner, module=self.module)

    @cached_property
    def sessions(self) -> list[StudySession]:
        return list(self._sessions[:SESSIONS_SHOWN])

    @cached_property
    def _totals(self) -> dict:
        return self._sessions.aggregate(minutes=Sum("minutes"), count=Count("id"))

    @property
    def session_minutes(self) -> int:
        return self._totals["minutes"] or 0

    @property
    def session_count(self) -> int:
        return self._totals["count"]

    @cached_property
    def ratings(self) -> list[ConfidenceRating]:
        """Oldest first."""
        ratings = ConfidenceRating.objects.filter(learner=self.learner, module=self.module)
        return list(reversed(ratings[:RATINGS_SHOWN]))

    @cached_property
    def timer(self) -> Timer | None:
        return Timer.objects.filter(learner=self.learner).select_related("module").first()

    @cached_property
    def record(self):
        return record_summary.for_module(self.learner, self.module)

    @cached_property
    def experiments(self):
        return experiments_summary.for_module(self.learner, self.module)

    @cached_property
    def review(self):
        return review_summary.for_module(self.learner, self.module)

    @cached_property
    def ledger(self) -> papers_ledger.ModuleLedger | None:
        """A paper's passes and reading ledger (papers_ledger.MODULE_QUERIES); None otherwise."""
        return papers_ledger.for_module(self.learner, self.module)

    @property
    def entry_form(self) -> EntryForm:
        return EntryForm(prefix="entry")

    @property
    def hours_spent(self) -> float:
        return round(self.session_minutes / 60, 1)

    @property
    def lesson_marked(self) -> bool:
        """Whether the module text's task list carries the learner's ticks (study/lesson.py)."""
        return marks_fit(self.module.body_html, self.state.checkpoints)

    @cached_property
    def session_form(self) -> SessionForm:
        """The quick-log form for this module: no query until it is sent."""
        return session_form_for(self.learner, module=self.module)


def build_module_panel(learner: User, module: Module) -> ModulePanel:
    return ModulePanel(learner, module)

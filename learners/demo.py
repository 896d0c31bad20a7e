"""The demo learner that `make run` shows a newcomer: ten weeks into the 22-week NLP track.

Dates are relative to today, so the dashboard always looks alive. Running it again
duplicates nothing: the history is written once, with the demo's first plan.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from curriculum.models import Checkpoint, Module, ModuleList
from curriculum.seed import NLP_12_WEEKS
from learners.experiments import demo as experiments_demo
from learners.mentors import demo as mentors_demo
from learners.models import (
    CheckpointTick,
    ConfidenceRating,
    ModuleProgress,
    Note,
    Plan,
    PlanItem,
    Status,
    StatusChange,
    StudySession,
    User,
)
from learners.papers import demo as papers_demo
from learners.record import demo as record_demo
from learners.review import demo as review_demo

DEMO_EMAIL = "demo@trajectory.example"
DEMO_PASSWORD = "trajectory-demo"  # noqa: S105 — printed on purpose; a local demo account
DEMO_TIME_ZONE = "Europe/London"
WEEKS_IN = 10
PLAN_WEEKS = 22  # the track's 216 hours at 10 a week

# (slug, status, checkpoints ticked, day started, day finished, confidence history): ten weeks
# of about ten hours, the modules' own estimates.
STORY = [
    ("experiment-hygiene", Status.DONE, None, 0, 3, [2, 4]),
    ("information-theory-for-lms", Status.DONE, None, 2, 10, [1, 3, 4]),
    ("ngram-language-model", Status.DONE, None, 9, 17, [3, 4]),
    ("mlp-language-model", Status.DONE, None, 16, 26, [2, 3, 4]),
    ("debugging-ml", Status.DONE, None, 25, 30, [3, 4]),
    ("training-craft", Status.DONE, None, 29, 46, [2, 3]),
    ("lstm-language-model", Status.DONE, None, 47, 59, [1, 2, 3, 4]),
    ("tokenization-bpe", Status.DONE, None, 56, 60, [2, 4]),
    ("seq2seq-attention", Status.DONE, None, 58, 64, [2, 3]),
    # Half-way through the paper: its ledger half owned (learners/papers/demo.py).
    ("paper-attention-is-all-you-need", Status.IN_PROGRESS, 4, 61, None, [2, 3]),
    ("transformer-language-model", Status.IN_PROGRESS, 3, 67, None, [2]),
]
# The failures' and runs' stories (learners/record/demo.py, learners/experiments/demo.py) count
# their days from the LSTM's fourth week: four weeks after the plan's start.
STORIES_FROM = timedelta(weeks=4)
# Modules this learner left out, the way an engineer trims a track: none of today's track is
# optional, so the demo keeps them all.
DROPPED: set[str] = set()

NOTES = {
    "information-theory-for-lms": [
        "Cross-entropy is just the expected surprise under the *model*, measured on the *data*:\n\n"
        "$$H(p, q) = -\\sum_x p(x) \\log q(x)$$\n\nPerplexity is $e^{H}$ when H is in nats.",
        "Bits per character = loss in nats / ln 2. My char model's 1.42 nats is **2.05 bpc**.",
    ],
    "mlp-language-model": [
        "The embedding table is just a matrix indexed by token id: `C[x]` is the lookup.",
        "Overfit 32 examples first. It took me three tries: I had forgotten `model.train()` after eval.",
    ],
    "debugging-ml": [
        "Step-0 loss should be about $\\ln V$. Mine was 12.3 with V = 10k: logits too big at init.",
    ],
    "lstm-language-model": [
        "Detach the hidden state between batches or memory grows every step.\n\n"
        "```python\nhidden = tuple(h.detach() for h in hidden)\n```",
        "Validation perplexity 212 after 3 epochs. Dropout 0.5 between layers brought it to 168.",
        "Tied input and output embeddings: fewer parameters and ~8 points of perplexity.",
    ],
    "tokenization-bpe": [
        "BPE merges are learned greedily on pair counts; ties broken by first occurrence in my code.",
    ],
    "paper-attention-is-all-you-need": [
        "Why $\\sqrt{d_k}$: with unit-variance components, $q \\cdot k$ has variance $d_k$, "
        "so unscaled logits saturate the softmax. Checked it: variance 63.7 for $d_k = 64$.",
        "Figure 1, box by box, took two evenings. *Outputs (shifted right)* finally makes sense.",
    ],
    "transformer-language-model": [
        "Causal mask bug: I masked with `triu(diagonal=0)` and the model could not see the current "
        "token. Loss stuck at 2.1. `diagonal=1` fixed it.",
    ],
}
SESSION_TEXT = {
    "experiment-hygiene": [
        "Set up a runs/ folder and the logging client",
        "Wrote the seed + config dump",
    ],
    "information-theory-for-lms": [
        "Derived cross-entropy from KL divergence",
        "Computed bpc of a unigram model by hand",
        "Read the chapter on entropy",
    ],
    "ngram-language-model": [
        "Counted trigrams on WikiText-2",
        "Added Kneser-Ney smoothing",
    ],
    "training-craft": [
        "Learning-rate range test on the MLP",
        "Warmup and cosine schedule",
    ],
    "seq2seq-attention": [
        "Encoder-decoder on date formats",
        "Additive attention and its heatmaps",
    ],
    "mlp-language-model": [
        "Built the embedding + hidden layer",
        "Trained on WikiText-2",
        "Tuned the learning rate",
    ],
    "debugging-ml": ["Gradient check on the MLP", "Wrote unit tests for shapes"],
    "lstm-language-model": [
        "Batched the token stream into sub-streams",
        "Truncated BPTT, 35 steps",
        "Fixed the hidden-state leak",
        "Hyper-parameter sweep on dropout",
        "Sampled at temperature 0.8",
    ],
    "tokenization-bpe": ["Counted pairs on Tiny Shakespeare", "Implemented the merge loop"],
    "paper-attention-is-all-you-need": [
        "Skimmed the paper: pass one",
        "Re-derived scaled dot-product attention",
        "Explained Figure 1 line by line",
    ],
    "transformer-language-model": [
        "Wrote the attention block",
        "Fixed the causal mask",
        "First training run on Tiny Shakespeare",
    ],
}


@dataclass
class _Clock:
    """Day offsets from the plan's start, turned into aware datetimes in the demo's zone."""

    start: date
    learner: User

    def at(self, day: int, hour: int = 19, minute: int = 0) -> datetime:
        local = datetime.combine(self.start + timedelta(days=day), time(hour, minute))
        return timezone.make_aware(local, self.learner.tz)


def seed_demo(today: date | None = None) -> bool:
    """Create the demo account and its history if missing. Returns whether anything was created."""
    user, created = User.objects.get_or_create(
        email=DEMO_EMAIL,
        defaults={"display_name": "Alex (demo)", "time_zone": DEMO_TIME_ZONE},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    if Plan.objects.filter(learner=user).exists():
        return created
    track = ModuleList.objects.filter(slug=NLP_12_WEEKS.slug).first()
    if track is None:
        return created  # the curriculum isn't loaded yet: an account without history
    _write_history(user, track, today or user.local_today())
    return True


@transaction.atomic
def _write_history(user: User, track: ModuleList, today: date) -> None:
    rng = random.Random(2026)  # the same demo on every machine
    start = today - timedelta(weeks=WEEKS_IN, days=today.weekday())
    clock = _Clock(start, user)
    items = [
        item for item in track.items.select_related("module") if item.module.slug not in DROPPED
    ]
    plan = Plan.objects.create(
        learner=user,
        module_list=track,
        goal="A chatbot fine-tuned on my own chat logs, with a sampler fast enough to talk to",
        start_date=start,
        target_end=start + timedelta(weeks=PLAN_WEEKS),
        weekly_hours=Decimal("10"),
    )
    Plan.objects.filter(pk=plan.pk).update(created_at=clock.at(0, 9))
    PlanItem.objects.bulk_create(
        PlanItem(plan=plan, module=item.module, position=i, required=item.required)
        for i, item in enumerate(items)
    )
    modules = {item.module.slug: item.module for item in items}
    ModuleProgress.objects.bulk_create(
        ModuleProgress(learner=user, module=m) for m in modules.values()
    )
    for slug, status, ticked, started, finished, confidence in STORY:
        _module_story(
            user, modules[slug], clock, status, ticked, started, finished, confidence, rng
        )
    _sessions(user, modules, clock, today, rng)
    later = _Clock(start + STORIES_FROM, user)
    record_demo.seed(user, plan, modules, later, rng)
    experiments_demo.seed(user, plan, modules, later, rng)
    papers_demo.seed(user, modules, clock, 61)
    review_demo.seed(user, rng)
    mentors_demo.seed(user, plan)


def _module_story(
    user, module: Module, clock, status, ticked, started, finished, confidence, rng
) -> None:
    checkpoints = list(Checkpoint.objects.active().filter(module=module))
    count = len(checkpoints) if ticked is None else ticked
    span = (finished or started + 10) - started
    for index, checkpoint in enumerate(checkpoints[:count]):
        day = started + round(span * (index + 1) / (count + 1))
        CheckpointTick.objects.create(
            learner=user, checkpoint=checkpoint, ticked_at=clock.at(day, 20, 15 + index)
        )
    changes = [(Status.NOT_STARTED, Status.IN_PROGRESS, started)]
    if finished is not None:
        changes.append((Status.IN_PROGRESS, status, finished))
    for old, new, day in changes:
        StatusChange.objects.create(
            learner=user, module=module, old_status=old, new_status=new, at=clock.at(day, 21)
        )
    ModuleProgress.objects.filter(learner=user, module=module).update(
        status=status,
        started_at=clock.at(started, 21),
        finished_at=clock.at(finished, 21) if finished is not None else None,
        confidence=confidence[-1],
    )
    for index, value in enumerate(confidence):
        day = started + round(span * index / max(len(confidence) - 1, 1))
        ConfidenceRating.objects.create(
            learner=user, module=module, value=value, at=clock.at(day, 22)
        )
    for index, body in enumerate(NOTES.get(module.slug, [])):
        day = started + round(span * (index + 1) / (len(NOTES[module.slug]) + 1))
        Note.objects.create(
            learner=user, module=module, body=body, created_at=clock.at(day, 22, 30)
        )


def _sessions(user, modules: dict[str, Module], clock, today: date, rng) -> None:
    """Four or five sessions a week on whatever was in progress that day; a light week 4."""
    days = (today - clock.start).days
    sessions = []
    for day in range(days + 1):
        week = day // 7
        if rng.random() > (0.5 if week == 3 else 0.8):
            continue
        active = [
            slug
            for slug, _, _, started, finished, _ in STORY
            if started <= day <= (finished or days)
        ]
        if not active:
            continue
        slug = rng.choice(active)
        sessions.append(
            StudySession(
                learner=user,
                module=modules[slug],
                date=clock.start + timedelta(days=day),
                minutes=rng.choice([45, 60, 75, 90, 90, 120, 150]),
                description=rng.choice(SESSION_TEXT[slug]),
                created_at=clock.at(day, 22, 45),
            )
        )
    StudySession.objects.bulk_create(sessions)

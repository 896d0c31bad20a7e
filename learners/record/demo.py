"""This area's part of the demo learner's history (called by learners/demo.py): failures with
the lessons they taught, on the modules the demo learner finished or is working on."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from learners.record.models import Category, Failure

# (module slug, day, title, category, minutes lost, what happened, lesson, days to resolve —
# None: still open)
FAILURES = [
    (
        "experiment-hygiene",
        2,
        "Couldn't reproduce yesterday's best run",
        Category.ENVIRONMENT,
        75,
        "Same script, same data, loss 0.3 worse. I had changed the learning rate on the "
        "command line and logged nothing about it.",
        "Every run writes its seed, git SHA and full config next to its results, before the "
        "first step. If it isn't logged, it didn't happen.",
        0,
    ),
    (
        "information-theory-for-lms",
        6,
        "Mixed nats and bits in the results table",
        Category.CONCEPT,
        40,
        "Compared my model's 1.42 (nats) against a paper's 1.2 (bits per character) and "
        "thought I was far behind.",
        "Put the unit in every column header. Bits per character = loss in nats / $\\ln 2$.",
        1,
    ),
    (
        "mlp-language-model",
        12,
        "Validation loss jumped after evaluation",
        Category.BUG,
        60,
        "Training loss was fine until the first evaluation, then noisier for the rest of "
        "the run. I called `model.eval()` and never switched back.",
        "`model.train()` goes at the top of every training step, not once before the loop.",
        0,
    ),
    (
        "debugging-ml",
        16,
        "Step-0 loss of 12.3 with a 10k vocabulary",
        Category.TRAINING,
        90,
        "Expected about $\\ln 10000 \\approx 9.2$. The output layer's initial logits were "
        "far too large, so the first hundred steps only undid the initialization.",
        "Check the loss at step 0 against $\\ln V$ before anything else; scale the output "
        "layer's weights down at init.",
        1,
    ),
    (
        "lstm-language-model",
        22,
        "Hidden state not detached between batches",
        Category.BUG,
        150,
        "Memory climbed every batch until CUDA ran out around batch 400; on CPU, backward "
        "complained about a graph that was already freed.\n\n"
        "```python\nhidden = tuple(h.detach() for h in hidden)\n```",
        "Carried state is detached at every batch boundary. When memory grows per step, look "
        "for a graph that outlives its batch.",
        1,
    ),
    (
        "lstm-language-model",
        26,
        "Exploding gradients wrecked a run at epoch 3",
        Category.TRAINING,
        120,
        "Loss went to NaN after a single spike. No gradient-norm log, so I only found out "
        "by re-running with prints.",
        "Clip gradients (norm 0.25 for this model) and log the gradient norm every step.",
        2,
    ),
    (
        "tokenization-bpe",
        30,
        "My BPE merges differed from the reference",
        Category.CONCEPT,
        45,
        "The first 50 merges matched, then diverged: ties between equal pair counts.",
        "Tie-breaking is part of the algorithm. Specify it, test it, document it.",
        0,
    ),
    (
        "transformer-language-model",
        42,
        "Causal mask off by one",
        Category.BUG,
        180,
        "I masked with `triu(diagonal=0)`, so no position could see itself. Loss stuck at 2.1 "
        "and samples repeated one character.",
        "Test the mask on a 4×4 example before training: row $i$ sees columns $0..i$. "
        "`diagonal=1`.",
        0,
    ),
    (
        "transformer-language-model",
        44,
        "Loss plateaus at 1.9 after warm-up",
        Category.TRAINING,
        None,
        "Warm-up over 2,000 steps, then flat. Trying a lower peak learning rate and checking "
        "weight decay isn't applied to layer norms.",
        "",
        None,
    ),
]


def seed(user, plan, modules, clock, rng) -> None:
    """Add history for the demo `user`: `modules` maps slugs to the plan's modules; `clock.at(day,
    hour, minute)` turns a day offset from the plan's start into an aware datetime; `rng` is a
    seeded random.Random, so the demo is the same on every machine."""
    now = timezone.now()
    today = (user.local_today() - clock.start).days
    for slug, day, title, category, minutes, what, lesson, resolve_after in FAILURES:
        module = modules.get(slug)
        if module is None:
            continue  # a curriculum without this module: the rest of the story still holds
        # Today is day 42 to 48 of the demo (it starts on a Monday): nothing in the future.
        created = min(clock.at(min(day, today), 20, rng.randrange(0, 50)), now)
        learned = min(created + timedelta(hours=1), now) if lesson else None
        resolved_at = (
            min(created + timedelta(days=resolve_after, hours=2), now)
            if resolve_after is not None
            else None
        )
        Failure.objects.create(
            learner=user,
            module=module,
            plan=plan,
            title=title,
            category=category,
            minutes_lost=minutes,
            what_happened=what,
            lesson=lesson,
            lesson_at=learned,
            resolved=resolved_at is not None,
            resolved_at=resolved_at,
            happened_on=created.astimezone(user.tz).date(),
            created_at=created,
        )

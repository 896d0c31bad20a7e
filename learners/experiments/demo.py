"""This area's part of the demo learner's history (called by learners/demo.py).

Three weeks of an LSTM language model on WikiText-2, validation perplexity falling from 212 to
about 110 as the configs change (depth, dropout, tied embeddings, clipping, a schedule), with a
few dirty runs — one pair from the same commit, so the compare page has something to warn
about — and one failed run where the hidden state was not detached. Then the first two runs
of the transformer module, one of them stuck on a causal-mask bug.
"""

from __future__ import annotations

import math

from django.utils import timezone

from learners.experiments.models import ModuleMetric, Outcome, Run, RunMetric
from learners.record.models import Failure

LSTM, TRANSFORMER = "lstm-language-model", "transformer-language-model"

LSTM_CONFIG = {
    "dataset": "wikitext-2",
    "model": "lstm",
    "layers": 2,
    "hidden": 650,
    "embedding": 650,
    "dropout": 0.5,
    "tied": False,
    "optimizer": "sgd",
    "lr": 20,
    "clip": 0.25,
    "bptt": 35,
    "batch_size": 20,
    "epochs": 6,
}

DETACH_DIFF = """diff --git a/train_lstm.py b/train_lstm.py
index 4e1f0a2..9b7c3d1 100644
--- a/train_lstm.py
+++ b/train_lstm.py
@@ -41,9 +41,8 @@ def train_epoch(model, data, optimizer, config):
     hidden = model.init_hidden(config.batch_size)
     for batch, (x, y) in enumerate(batches(data, config.bptt)):
-        hidden = tuple(h.detach() for h in hidden)
         optimizer.zero_grad()
         output, hidden = model(x, hidden)
         loss = criterion(output.view(-1, ntokens), y.view(-1))
         loss.backward()
"""

DROPOUT_DIFF = """diff --git a/configs/wt2.json b/configs/wt2.json
index 1a2b3c4..5d6e7f8 100644
--- a/configs/wt2.json
+++ b/configs/wt2.json
@@ -3,7 +3,7 @@
   "layers": 2,
   "hidden": 650,
-  "dropout": 0.2,
+  "dropout": 0.5,
   "tied": false,
   "lr": 20,
"""

DECAY_DIFF = """diff --git a/train_lstm.py b/train_lstm.py
index 7c1d2e3..0f9a8b7 100644
--- a/train_lstm.py
+++ b/train_lstm.py
@@ -88,7 +88,9 @@ def main(config):
     model = LSTMLanguageModel(ntokens, config).to(device)
-    optimizer = torch.optim.SGD(model.parameters(), lr=config.lr)
+    optimizer = torch.optim.SGD(
+        model.parameters(), lr=config.lr, weight_decay=1.2e-6
+    )
     scheduler = None
"""

MASK_DIFF = """diff --git a/attention.py b/attention.py
index 2b4c6d8..8e0f1a3 100644
--- a/attention.py
+++ b/attention.py
@@ -17,7 +17,7 @@ class CausalSelfAttention(nn.Module):
         scores = q @ k.transpose(-2, -1) / math.sqrt(self.head_dim)
-        mask = torch.triu(torch.ones(t, t, dtype=torch.bool), diagonal=1)
+        mask = torch.triu(torch.ones(t, t, dtype=torch.bool), diagonal=0)
         scores = scores.masked_fill(mask, float("-inf"))
         weights = scores.softmax(dim=-1)
"""

# (day, hour, minute, name, config changes, final val_ppl, outcome, diff, same commit as
# the previous run, notes). Perplexity falls over three weeks; weeks start on day 0, 7, …
LSTM_RUNS = [
    (19, 21, 10, "Baseline: 1 layer, 200 units", {"layers": 1, "hidden": 200, "embedding": 200, "dropout": 0.0}, 212.4, Outcome.WORKED, "", False, ""),
    (20, 20, 40, "2 layers, 200 units", {"hidden": 200, "embedding": 200, "dropout": 0.0}, 198.7, Outcome.WORKED, "", False, ""),
    (21, 22, 5, "650 units (hidden state leak)", {"dropout": 0.0}, 305.2, Outcome.FAILED, DETACH_DIFF, False,
     "GPU memory grew every batch and the run died in epoch 2: I had dropped the `detach()` "
     "while refactoring, so backprop went through the whole history. Put it back."),
    (22, 21, 30, "650 units, hidden state detached", {"dropout": 0.0}, 171.3, Outcome.WORKED, "", False, ""),
    (24, 20, 15, "Dropout 0.2", {"dropout": 0.2}, 165.0, Outcome.WORKED, "", False, ""),
    (24, 22, 50, "Dropout 0.5 (uncommitted)", {}, 148.9, Outcome.WORKED, DROPOUT_DIFF, True,
     "Same commit as the dropout 0.2 run, config edited in place. Committed it afterwards."),
    (27, 19, 45, "lr 30", {"lr": 30}, 156.0, Outcome.INCONCLUSIVE, "", False,
     "Faster start, worse end. Not worth it at 6 epochs."),
    (28, 21, 0, "Tied embeddings", {"tied": True}, 139.5, Outcome.WORKED, "", False,
     "Tying input and output embeddings: fewer parameters and ~9 points of perplexity."),
    (31, 20, 20, "Tied, 8 epochs", {"tied": True, "epochs": 8}, 131.0, Outcome.WORKED, "", False, ""),
    (33, 21, 40, "Weight decay 1.2e-6", {"tied": True, "epochs": 8}, 133.2, Outcome.INCONCLUSIVE, DECAY_DIFF, False, ""),
    (36, 20, 30, "Tied, 12 epochs", {"tied": True, "epochs": 12}, 122.7, Outcome.WORKED, "", False, ""),
    (38, 21, 15, "Variational dropout", {"tied": True, "epochs": 12, "dropout_kind": "variational"}, 118.9, Outcome.WORKED, "", False, ""),
    (40, 19, 50, "Plateau lr decay", {"tied": True, "epochs": 12, "dropout_kind": "variational", "schedule": "plateau/4"}, 116.2, Outcome.WORKED, "", False, ""),
    (42, 7, 30, "ASGD after epoch 8", {"tied": True, "epochs": 12, "dropout_kind": "variational", "schedule": "plateau/4", "optimizer": "asgd"}, 109.8, Outcome.WORKED, "", False,
     "Switching to averaged SGD once validation stalls, as in Merity et al. Below 110."),
]  # fmt: skip

TRANSFORMER_CONFIG = {
    "dataset": "tiny-shakespeare",
    "model": "transformer",
    "layers": 4,
    "heads": 4,
    "d_model": 256,
    "context": 256,
    "dropout": 0.1,
    "optimizer": "adamw",
    "lr": 3e-4,
    "batch_size": 64,
    "steps": 5000,
}
TRANSFORMER_RUNS = [
    (40, 21, 30, "First transformer, 4 layers", 2.10, Outcome.FAILED, MASK_DIFF,
     "Loss stuck at 2.1: the mask hid the current token too (`diagonal=0`). Fixed below."),
    (41, 20, 0, "Causal mask fixed", 1.62, Outcome.WORKED, "", ""),
]  # fmt: skip


def seed(user, plan, modules, clock, rng) -> None:
    """Add history for the demo `user`: `modules` maps slugs to the plan's modules; `clock.at(day,
    hour, minute)` turns a day offset from the plan's start into an aware datetime; `rng` is a
    seeded random.Random, so the demo is the same on every machine."""
    now = timezone.now()
    if LSTM in modules:
        _lstm(user, modules[LSTM], clock, rng, now)
    if TRANSFORMER in modules:
        _transformer(user, modules[TRANSFORMER], clock, rng, now)


def _sha(rng) -> str:
    return f"{rng.getrandbits(160):040x}"


def _curve(final: float, points: int, rng, start_ratio: float) -> list[list[float]]:
    """A falling curve that ends at `final`, from about `start_ratio` × final."""
    curve = []
    for step in range(1, points + 1):
        progress = (step - 1) / (points - 1) if points > 1 else 1
        value = final * (
            1 + (start_ratio - 1) * math.exp(-4 * progress) - (start_ratio - 1) * math.exp(-4)
        )
        noise = 1 + rng.uniform(-0.01, 0.01) if step < points else 1
        curve.append([step, round(value * noise, 2)])
    return curve


def _failure(user, module):
    """The learner's own failure on this module that a run exposed, if the log has one."""
    failures = Failure.objects.filter(learner=user, module=module).order_by("happened_on", "id")
    return failures.filter(category="bug").first() or failures.first()


def _save(user, module, clock, now, day, hour, minute, **fields) -> Run | None:
    started = clock.at(day, hour, minute)
    if started > now:
        return None  # the demo never logs a run in the future (early on a Monday, say)
    run = Run(learner=user, module=module, started_at=started, created_at=started, **fields)
    run.save()
    return run


def _lstm(user, module, clock, rng, now) -> None:
    ModuleMetric.objects.create(learner=user, module=module, name="val_ppl", lower_is_better=True)
    failure = _failure(user, module)
    sha = _sha(rng)
    metrics = []
    for day, hour, minute, name, changes, ppl, outcome, diff, same_commit, notes in LSTM_RUNS:
        if not same_commit:
            sha = _sha(rng)
        config = {**LSTM_CONFIG, **changes}
        if diff is DROPOUT_DIFF:
            config["dropout"] = 0.5
        epochs = 2 if outcome == Outcome.FAILED else config["epochs"]
        run = _save(
            user, module, clock, now, day, hour, minute,
            name=name,
            git_sha=sha,
            git_branch="main" if day < 24 or day > 34 else "exp/regularisation",
            git_dirty=bool(diff),
            git_diff=diff,
            command="python train_lstm.py --config configs/wt2.json",
            config=config,
            seed=1000 + day,
            outcome=outcome,
            notes=notes,
            failure=failure if outcome == Outcome.FAILED else None,
        )  # fmt: skip
        if run is None:
            continue
        ppl_curve = _curve(ppl, epochs if outcome != Outcome.FAILED else 1, rng, 1.9)
        loss_curve = [[step, round(math.log(value) + 0.35, 3)] for step, value in ppl_curve]
        metrics += [
            RunMetric(run=run, name="val_ppl", value=ppl, series=ppl_curve),
            RunMetric(run=run, name="train_loss", value=loss_curve[-1][1], series=loss_curve),
            RunMetric(run=run, name="tokens_per_sec", value=round(rng.uniform(9000, 14000))),
        ]
    RunMetric.objects.bulk_create(metrics)


def _transformer(user, module, clock, rng, now) -> None:
    ModuleMetric.objects.create(learner=user, module=module, name="val_loss", lower_is_better=True)
    failure = _failure(user, module)
    sha = _sha(rng)
    metrics = []
    for day, hour, minute, name, loss, outcome, diff, notes in TRANSFORMER_RUNS:
        run = _save(
            user, module, clock, now, day, hour, minute,
            name=name,
            git_sha=sha,
            git_branch="main",
            git_dirty=bool(diff),
            git_diff=diff,
            command="python train_gpt.py --config configs/shakespeare.json",
            config=TRANSFORMER_CONFIG,
            seed=7,
            outcome=outcome,
            notes=notes,
            failure=failure if outcome == Outcome.FAILED else None,
        )  # fmt: skip
        if run is None:
            continue
        sha = _sha(rng)
        steps = [[step * 250, 0.0] for step in range(1, 21)]
        if outcome == Outcome.FAILED:
            curve = [
                [step, round(max(loss, 4.2 - 0.8 * i) + rng.uniform(0, 0.02), 3)]
                for i, (step, _) in enumerate(steps)
            ]
            curve[-1][1] = loss
        else:
            curve = [
                [step, round(loss + 2.6 * math.exp(-i / 4), 3)] for i, (step, _) in enumerate(steps)
            ]
            curve[-1][1] = loss
        metrics.append(RunMetric(run=run, name="val_loss", value=loss, series=curve))
    RunMetric.objects.bulk_create(metrics)

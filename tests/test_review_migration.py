"""An installation from before reviews migrates forward with its data intact, and the record it
already had becomes cards: ticks, modules done, lessons."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

# Today's main before reviews: no review tables, no daily cap on the account.
BEFORE = [
    ("review", None),
    ("learners", "0006_merge_0005_login_failure_device_0005_record_version"),
]
BEFORE_STATE = [BEFORE[1], ("record", "0003_submission_keys")]
AFTER = [("review", "0002_cards_from_existing_records")]


def migrate(targets, state=None):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(state or targets).apps


def test_existing_ticks_done_modules_and_lessons_become_cards():
    try:
        old = migrate(BEFORE, BEFORE_STATE)
        User = old.get_model("learners", "User")
        Module = old.get_model("curriculum", "Module")
        Checkpoint = old.get_model("curriculum", "Checkpoint")
        ada = User.objects.create(email="ada@example.com", password="!")
        done, going = (
            Module.objects.create(slug=slug, title=slug, source=f"/x/{slug}.md", content_hash="x")
            for slug in ("done", "going")
        )
        for module in (done, going):
            for position in range(3):
                Checkpoint.objects.create(
                    module=module, key=f"c{position}", text="t", html="t", position=position
                )
        old.get_model("learners", "ModuleProgress").objects.create(
            learner=ada, module=done, status="done"
        )
        old.get_model("learners", "CheckpointTick").objects.create(
            learner=ada, checkpoint=Checkpoint.objects.get(module=going, key="c0")
        )
        Failure = old.get_model("record", "Failure")
        lesson = Failure.objects.create(
            learner=ada, module=going, title="NaN", lesson="Clip", happened_on="2026-01-05"
        )
        Failure.objects.create(
            learner=ada, module=going, title="No lesson", happened_on="2026-01-06"
        )

        new = migrate(AFTER)
        Card = new.get_model("review", "Card")
        cards = Card.objects.filter(learner_id=ada.pk)
        assert sorted(
            (c.kind, c.checkpoint.module.slug if c.checkpoint_id else None, c.failure_id)
            for c in cards
        ) == [
            ("checkpoint", "done", None),
            ("checkpoint", "done", None),
            ("checkpoint", "done", None),
            ("checkpoint", "going", None),
            ("lesson", None, lesson.pk),
        ]
        # The data itself is as it was.
        assert new.get_model("learners", "User").objects.get(pk=ada.pk).daily_reviews == 20
        assert new.get_model("record", "Failure").objects.filter(learner_id=ada.pk).count() == 2
    finally:
        leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
        MigrationExecutor(connection).migrate(leaves)

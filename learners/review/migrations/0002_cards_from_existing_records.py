"""Cards for what learners recorded before reviews existed: every ticked checkpoint, every
checkpoint of a module marked done, every lesson. Each is due at once, as a new card is (the
daily cap keeps the first day to twenty)."""

from django.db import migrations
from django.utils import timezone


def make_cards(apps, schema_editor):
    Card = apps.get_model("review", "Card")
    Checkpoint = apps.get_model("curriculum", "Checkpoint")
    CheckpointTick = apps.get_model("learners", "CheckpointTick")
    ModuleProgress = apps.get_model("learners", "ModuleProgress")
    Failure = apps.get_model("record", "Failure")
    now = timezone.now()
    wanted = set(CheckpointTick.objects.values_list("learner_id", "checkpoint_id"))
    for learner_id, module_id in ModuleProgress.objects.filter(status="done").values_list(
        "learner_id", "module_id"
    ):
        for checkpoint_id in Checkpoint.objects.filter(
            module_id=module_id, retired=False
        ).values_list("id", flat=True):
            wanted.add((learner_id, checkpoint_id))
    modules = dict(Checkpoint.objects.values_list("id", "module_id"))
    Card.objects.bulk_create(
        [
            Card(
                learner_id=learner_id,
                kind="checkpoint",
                module_id=modules[checkpoint_id],
                checkpoint_id=checkpoint_id,
                due=now,
                created_at=now,
            )
            for learner_id, checkpoint_id in sorted(wanted)
        ],
        batch_size=500,
        ignore_conflicts=True,
    )
    Card.objects.bulk_create(
        [
            Card(
                learner_id=learner_id,
                kind="lesson",
                module_id=module_id,
                failure_id=failure_id,
                due=now,
                created_at=now,
            )
            for failure_id, learner_id, module_id in Failure.objects.exclude(lesson="")
            .values_list("id", "learner_id", "module_id")
            .order_by("id")
        ],
        batch_size=500,
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("review", "0001_initial"),
        ("learners", "0007_user_daily_reviews"),
        ("record", "0003_submission_keys"),
        ("curriculum", "0001_initial"),
    ]

    operations = [migrations.RunPython(make_cards, migrations.RunPython.noop)]

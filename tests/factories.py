"""Small builders for test data, made in code (no fixtures files)."""

from __future__ import annotations

import itertools
from decimal import Decimal

from curriculum.models import Checkpoint, Module, ModuleList, ModuleListItem, Topic


def make_modules(
    count: int, *, prefix: str = "m", topics: int = 3, checkpoints: int = 3
) -> list[Module]:
    """`count` modules, each with topics, checkpoints and a prerequisite on the previous one."""
    topic_objs = [
        Topic.objects.get_or_create(slug=f"{prefix}-topic-{i}", defaults={"name": f"Topic {i}"})[0]
        for i in range(topics)
    ]
    modules = Module.objects.bulk_create(
        [
            Module(
                slug=f"{prefix}-{i:04d}",
                title=f"Module {prefix} {i:04d}",
                summary=f"Summary {i}",
                kind="build",
                hours=Decimal("2.5"),
                body_html=f"<p>Body {i}</p>",
                source=f"/nowhere/{prefix}-{i}.md",
                content_hash="x",
                resources=[{"title": "r", "url": "https://example.com", "kind": "docs"}],
            )
            for i in range(count)
        ]
    )
    Module.topics.through.objects.bulk_create(
        [Module.topics.through(module_id=m.id, topic_id=t.id) for m in modules for t in topic_objs]
    )
    Module.prerequisites.through.objects.bulk_create(
        [
            Module.prerequisites.through(from_module_id=b.id, to_module_id=a.id)
            for a, b in itertools.pairwise(modules)
        ]
    )
    Checkpoint.objects.bulk_create(
        [
            Checkpoint(
                module=m, key=f"c{j}", text=f"Checkpoint {j}", html=f"Checkpoint {j}", position=j
            )
            for m in modules
            for j in range(checkpoints)
        ]
    )
    return modules


def make_list(
    modules: list[Module], *, slug: str = "track", published: bool = True, **fields
) -> ModuleList:
    module_list = ModuleList.objects.create(
        slug=slug, title=fields.pop("title", "A track"), published=published, **fields
    )
    ModuleListItem.objects.bulk_create(
        [
            ModuleListItem(module_list=module_list, module=m, position=i)
            for i, m in enumerate(modules)
        ]
    )
    return module_list


def make_learner(email: str = "alice@example.com", **fields):
    from learners.models import User

    return User.objects.create_user(email, "a-long-password-123", **fields)


def make_plan(learner, modules: list[Module], **fields):
    """An active plan over `modules`, started today (in the learner's zone) for 12 weeks."""
    from datetime import timedelta

    from learners.plans.changes import start_plan

    today = learner.local_today()
    return start_plan(
        learner,
        goal=fields.pop("goal", "Build a chatbot"),
        start_date=fields.pop("start_date", today),
        target_end=fields.pop("target_end", today + timedelta(weeks=12)),
        weekly_hours=fields.pop("weekly_hours", Decimal("10")),
        modules=modules,
        **fields,
    )


def make_paper(
    items: int = 5, *, slug: str = "paper", passes=None, requires_ledger: bool = False
) -> Module:
    """A module of kind paper with `items` authored ledger items (§1, §2, …) and a checkpoint
    (`requires_ledger` makes it ask for the whole ledger checked)."""
    from curriculum.models import LedgerItem

    module = Module.objects.create(
        slug=slug,
        title=f"Paper {slug}",
        summary="A paper",
        kind="paper",
        hours=Decimal("6"),
        body_html="<p>Read it.</p>",
        source=f"/nowhere/{slug}.md",
        content_hash="x",
        passes=passes or [],
    )
    LedgerItem.objects.bulk_create(
        LedgerItem(
            module=module,
            key=f"item-{i}",
            kind=("claim", "equation", "figure", "symbol")[i % 4],
            section=f"§{i + 1}",
            text=f"Item {i}: $x_{i}$",
            html=f"Item {i}",
            position=i,
        )
        for i in range(items)
    )
    Checkpoint.objects.create(
        module=module,
        key="own-it",
        text="Own the ledger",
        html="Own the ledger",
        position=0,
        requires_ledger=requires_ledger,
    )
    return module

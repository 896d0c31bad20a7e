"""A new release's tracks reach existing installations, and never overwrite an admin's edits.

An installation seeded by the first release has the old "NLP practitioner in 12 weeks" and the
old "Deep learning foundations". Seeding again updates a list only while it is still exactly as
that release left it, and creates the tracks it did not have.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from curriculum.models import Module, ModuleList
from curriculum.seed import (
    CREATED,
    CURRENT,
    DL_FOUNDATIONS,
    KEPT,
    MODERN_LLM,
    NLP_12_WEEKS,
    SEEDS,
    UPDATED,
    ListSeed,
    seed_lists,
)
from tests.conftest import REPO
from tests.curriculum_helpers import load
from tests.factories import make_learner, make_plan

pytestmark = pytest.mark.django_db
OLD_NLP = NLP_12_WEEKS.earlier[0]
OLD_FOUNDATIONS = DL_FOUNDATIONS.earlier[0]


@pytest.fixture
def first_release():
    """The curriculum loaded, and the lists as the first release seeded them."""
    run = load(REPO / "curriculum" / "content")
    assert run.status == 0, run.stderr
    assert seed_lists((OLD_NLP, OLD_FOUNDATIONS)) == [
        (OLD_NLP.slug, CREATED),
        (OLD_FOUNDATIONS.slug, CREATED),
    ]


def contents(slug: str) -> tuple:
    module_list = ModuleList.objects.get(slug=slug)
    items = tuple(
        (item.module.slug, item.note, item.required)
        for item in module_list.items.select_related("module").order_by("position")
    )
    return (module_list.title, module_list.description, items)


def expected(seed: ListSeed) -> tuple:
    return (seed.title, seed.description, tuple((i.slug, i.note, i.required) for i in seed.items))


def test_the_first_release_seeded_a_different_nlp_track_from_this_one():
    assert OLD_NLP.slug == NLP_12_WEEKS.slug
    assert expected(OLD_NLP) != expected(NLP_12_WEEKS)
    assert OLD_NLP.title == "NLP practitioner in 12 weeks"
    assert "training-craft" not in [item.slug for item in OLD_NLP.items]


def test_lists_left_as_the_first_release_seeded_them_are_updated_and_the_new_track_created(
    first_release,
):
    assert seed_lists() == [
        (NLP_12_WEEKS.slug, UPDATED),
        (DL_FOUNDATIONS.slug, UPDATED),
        (MODERN_LLM.slug, CREATED),
    ]
    for seed in SEEDS:
        assert contents(seed.slug) == expected(seed)


def test_seeding_again_after_an_update_changes_nothing(first_release):
    seed_lists()
    before = {seed.slug: contents(seed.slug) for seed in SEEDS}
    assert seed_lists() == [(seed.slug, CURRENT) for seed in SEEDS]
    assert {seed.slug: contents(seed.slug) for seed in SEEDS} == before


@pytest.mark.parametrize(
    "edit",
    [
        "retitled",
        "note edited",
        "item removed",
        "reordered",
        "made optional",
        "unpublished",
    ],
)
def test_an_old_list_an_admin_touched_in_any_way_is_left_as_it_is(first_release, edit):
    module_list = ModuleList.objects.get(slug=OLD_NLP.slug)
    items = list(module_list.items.order_by("position"))
    if edit == "retitled":
        module_list.title = "Our NLP track"
        module_list.save()
    elif edit == "note edited":
        items[0].note = "Start here, then ask Sam."
        items[0].save()
    elif edit == "item removed":
        items[-1].delete()
    elif edit == "reordered":
        items[0].position, items[1].position = items[1].position, items[0].position
        items[0].save()
        items[1].save()
    elif edit == "made optional":
        items[2].required = False
        items[2].save()
    else:
        module_list.published = False
        module_list.save()
    touched = contents(OLD_NLP.slug)

    outcome = dict(seed_lists())

    assert outcome[OLD_NLP.slug] == KEPT
    assert contents(OLD_NLP.slug) == touched
    assert outcome[DL_FOUNDATIONS.slug] == UPDATED  # the untouched one still follows
    assert outcome[MODERN_LLM.slug] == CREATED


def test_an_old_list_is_not_updated_half_way_while_a_new_module_is_missing(first_release):
    Module.objects.filter(slug="training-craft").update(retired_at=timezone.now())

    outcome = dict(seed_lists())

    assert outcome[NLP_12_WEEKS.slug] == "skipped: modules not loaded: training-craft"
    assert contents(NLP_12_WEEKS.slug) == expected(OLD_NLP)


def test_a_plan_started_from_the_old_track_keeps_its_own_modules(first_release):
    track = ModuleList.objects.get(slug=OLD_NLP.slug)
    modules = [item.module for item in track.items.order_by("position")]
    plan = make_plan(make_learner(), modules, module_list=track)
    planned = list(plan.items.order_by("position").values_list("module__slug", flat=True))

    seed_lists()

    plan.refresh_from_db()
    assert plan.module_list_id == track.pk
    assert list(plan.items.order_by("position").values_list("module__slug", flat=True)) == planned
    assert "ngram-language-model" not in planned


def test_a_list_with_a_slug_no_release_seeded_is_never_touched(first_release):
    ModuleList.objects.filter(slug=OLD_FOUNDATIONS.slug).delete()
    ModuleList.objects.create(slug="our-own-track", title="Ours", description="", published=True)

    outcome = dict(seed_lists())

    assert outcome[DL_FOUNDATIONS.slug] == CREATED
    assert "our-own-track" not in outcome
    assert contents("our-own-track") == ("Ours", "", ())

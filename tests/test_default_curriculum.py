"""The curriculum Trajectory ships with: complete modules and credible, well-ordered lists."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from curriculum.models import Kind, Module, ModuleList
from curriculum.seed import DL_FOUNDATIONS, MODERN_LLM, NLP_12_WEEKS, SEEDS, seed_lists
from curriculum.views import annotate_order, list_totals
from tests.conftest import REPO
from tests.curriculum_helpers import load

pytestmark = pytest.mark.django_db
CONTENT = REPO / "curriculum" / "content"


@pytest.fixture
def catalogue():
    run = load(CONTENT)
    assert run.status == 0, run.stderr
    return {module.slug: module for module in Module.objects.prefetch_related("checkpoints")}


def test_the_content_folder_passes_check():
    run = load(CONTENT, check=True)
    assert run.status == 0, run.stderr


def test_there_are_at_least_24_modules_of_every_kind(catalogue):
    assert len(catalogue) >= 24
    assert {module.kind for module in catalogue.values()} == set(Kind.values)


def test_every_module_is_complete(catalogue):
    problems = []
    for slug, module in catalogue.items():
        checkpoints = [c for c in module.checkpoints.all() if not c.retired]
        if not 3 <= len(checkpoints) <= 8:
            problems.append(f"{slug}: {len(checkpoints)} checkpoints")
        if not module.hours or module.hours <= 0:
            problems.append(f"{slug}: no hours")
        if not module.summary:
            problems.append(f"{slug}: no summary")
        https = [r for r in module.resources if r["url"].startswith("https://")]
        if not 2 <= len(module.resources) <= 6 or len(https) != len(module.resources):
            problems.append(f"{slug}: resources must be 2–6 https links, got {module.resources}")
        if len(module.common_failures) < 3:
            problems.append(f"{slug}: a 'Common failures' section with at least 3 items is missing")
        for heading in (
            "h-why-it-matters",
            "h-learning-objectives",
            "h-deliverable",
            "h-common-failures",
        ):
            if f'id="{heading}"' not in module.body_html:
                problems.append(f"{slug}: no section {heading}")
        if "math-error" in module.body_html:
            problems.append(f"{slug}: a formula does not render")
    assert problems == []


def test_paper_modules_follow_the_reading_method(catalogue):
    papers = [m for m in catalogue.values() if m.kind == Kind.PAPER]
    assert len(papers) >= 3
    for module in papers:
        text = module.body_html.lower()
        assert "skim" in text, module.slug
        assert "re-derive" in text or "rederive" in text, module.slug


# Hours of each seeded track, (all items, required items): the sum of its modules' `hours`.
TRACK_HOURS = {
    NLP_12_WEEKS.slug: (Decimal(216), Decimal(216)),
    DL_FOUNDATIONS.slug: (Decimal(124), Decimal(85)),
    MODERN_LLM.slug: (Decimal(131), Decimal(112)),
}
NEW_MODULES = (
    "modern-decoder",
    "post-training",
    "retrieval-augmented-generation",
    "inference-engineering",
    "data-and-scaling",
)


def test_each_track_adds_up_to_its_pinned_hours_and_is_in_prerequisite_order(catalogue):
    assert seed_lists() == [(seed.slug, "created") for seed in SEEDS]
    assert set(TRACK_HOURS) == {seed.slug for seed in SEEDS}
    for slug, (total, required) in TRACK_HOURS.items():
        items = list(
            ModuleList.objects.get(slug=slug)
            .items.select_related("module")
            .prefetch_related("module__prerequisites")
        )
        for item in annotate_order(items):
            assert item.later_prerequisites == [], (
                f"{slug}: {item.module.slug} comes before {item.later_prerequisites}"
            )
        totals = list_totals(items)
        assert (totals["total_hours"], totals["required_hours"]) == (total, required), slug


def test_the_nlp_track_states_its_total_and_the_weeks_it_takes_at_10_hours_a_week(catalogue):
    total, _ = TRACK_HOURS[NLP_12_WEEKS.slug]
    weeks = math.ceil(total / 10)
    assert f"{total} hours in all" in NLP_12_WEEKS.description
    assert f"about {weeks} weeks at 10 hours a week" in NLP_12_WEEKS.description
    assert NLP_12_WEEKS.title == f"NLP practitioner in {weeks} weeks"
    assert NLP_12_WEEKS.slug == "nlp-practitioner-12-weeks"  # links and plans keep working
    slugs = [item.slug for item in NLP_12_WEEKS.items]
    for essential in (
        "information-theory-for-lms",
        "lstm-language-model",
        "transformer-language-model",
        "paper-attention-is-all-you-need",
        "finetune-dialogue",
        "kv-cache-generation",
        "chatbot-capstone",
    ):
        assert essential in slugs


def test_the_modern_track_starts_where_the_nlp_track_ends(catalogue):
    nlp = {item.slug for item in NLP_12_WEEKS.items}
    assert set(MODERN_LLM.assumes) == nlp | set(NLP_12_WEEKS.assumes)
    first = MODERN_LLM.items[0]
    assert first.required
    needs = {module.slug for module in catalogue[first.slug].prerequisites.all()}
    assert needs and needs <= nlp
    assert "paper-gpt-2" in needs
    assert not nlp & {item.slug for item in MODERN_LLM.items}  # no module is taken twice


def test_the_modern_track_requires_every_new_module_and_states_its_hours(catalogue):
    required = {item.slug for item in MODERN_LLM.items if item.required}
    assert set(NEW_MODULES) <= required
    total, required_hours = TRACK_HOURS[MODERN_LLM.slug]
    assert (
        f"{required_hours} hours for the required modules, {total} with" in MODERN_LLM.description
    )
    assert MODERN_LLM.title == "From GPT-2 to a modern LLM"


def test_every_prerequisite_of_a_track_item_is_assumed_or_an_earlier_item(catalogue):
    problems = []
    for seed in SEEDS:
        earlier: dict[str, bool] = {}  # slug -> required
        for item in seed.items:
            for prerequisite in catalogue[item.slug].prerequisites.all():
                slug = prerequisite.slug
                if slug in seed.assumes:
                    continue
                if slug not in earlier:
                    problems.append(f"{seed.slug}: {item.slug} needs {slug}, not earlier")
                elif item.required and not earlier[slug]:
                    problems.append(f"{seed.slug}: {item.slug} is required, {slug} optional")
            earlier[item.slug] = item.required
    assert problems == []


def test_the_nlp_track_teaches_evaluation_before_the_gpt_2_paper_and_requires_seq2seq():
    required = {item.slug: item.required for item in NLP_12_WEEKS.items}
    order = [item.slug for item in NLP_12_WEEKS.items]
    assert required["seq2seq-attention"] and required["evaluating-language-models"]
    assert order.index("evaluating-language-models") < order.index("paper-gpt-2")
    assert order.index("ngram-language-model") < order.index("lstm-language-model")
    assert order.index("training-craft") < order.index("lstm-language-model")
    assert order.index("sampling-decoding") < order.index("finetune-dialogue")
    text = NLP_12_WEEKS.description
    assert text.index("sampling") < text.index("key-value cache") < text.index("fine-tuning")


def test_every_seeded_list_is_in_prerequisite_order(catalogue):
    seed_lists()
    for track in ModuleList.objects.all():
        items = list(track.items.select_related("module").prefetch_related("module__prerequisites"))
        assert all(item.later_prerequisites == [] for item in annotate_order(items)), track.slug


def test_seeding_again_never_overwrites_an_admins_edits(catalogue):
    seed_lists()
    track = ModuleList.objects.get(slug=NLP_12_WEEKS.slug)
    track.title = "My own title"
    track.save()
    first = track.items.first()
    first.note = "edited by an admin"
    first.save()
    track.items.last().delete()
    count = track.items.count()

    assert seed_lists()[0] == (NLP_12_WEEKS.slug, "exists, left as the admins keep it")

    track.refresh_from_db()
    assert track.title == "My own title"
    assert track.items.count() == count
    assert track.items.first().note == "edited by an admin"


def test_a_list_is_not_seeded_half_empty(db):
    assert seed_lists()[0][1].startswith("skipped: modules not loaded")
    assert not ModuleList.objects.exists()


def test_the_nlp_track_page_reads_as_a_plan_with_its_total(client, catalogue):
    seed_lists()
    page = client.get(f"/lists/{NLP_12_WEEKS.slug}/").text
    assert NLP_12_WEEKS.title in page
    assert "216 hours in all" in page
    assert "Comes before its prerequisite" not in page

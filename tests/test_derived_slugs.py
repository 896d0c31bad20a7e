"""Files without front matter: slugs, titles and summaries derived from path and text."""

from __future__ import annotations

import pytest

from curriculum.models import Module
from tests.curriculum_helpers import load, write

pytestmark = pytest.mark.django_db


def test_slug_comes_from_the_file_name(tmp_path):
    write(tmp_path, "Intro to CS.md", "Some text.\n")
    load(tmp_path)
    module = Module.objects.get()
    assert module.slug == "intro-to-cs"
    assert module.title == "Intro to cs"


def test_readme_takes_its_folders_name(tmp_path):
    write(tmp_path, "courses/linear-algebra/README.md", "# Linear Algebra\n\nVectors.\n")
    load(tmp_path)
    assert Module.objects.get().slug == "linear-algebra"


def test_two_readmes_in_same_named_folders_get_parent_prefixes(tmp_path):
    write(tmp_path, "math/intro/README.md", "# Math intro\n")
    write(tmp_path, "cs/intro/README.md", "# CS intro\n")
    write(tmp_path, "physics/README.md", "# Physics\n")

    run = load(tmp_path)

    assert run.status == 0, run.stderr
    assert sorted(Module.objects.values_list("slug", flat=True)) == [
        "cs-intro",
        "math-intro",
        "physics",
    ]


def test_an_explicit_slug_wins_and_the_derived_one_moves_aside(tmp_path):
    write(tmp_path, "a/intro.md", "---\nslug: intro\n---\n# Explicit\n")
    write(tmp_path, "b/intro.md", "# Derived\n")

    assert load(tmp_path).status == 0
    assert Module.objects.get(slug="intro").title == "Explicit"
    assert Module.objects.get(slug="b-intro").title == "Derived"


def test_paths_that_cannot_be_told_apart_are_a_clear_error(tmp_path):
    lower = write(tmp_path, "sub/x.md", "# lower\n")
    upper = write(tmp_path, "sub/X.md", "# upper\n")  # the same slugs at every level

    run = load(tmp_path)

    assert run.status == 1
    assert "would all get slug" in run.stderr
    assert str(lower) in run.stderr and str(upper) in run.stderr
    assert "give one an explicit 'slug:'" in run.stderr


def test_roadmap_files_take_the_topic_and_their_links_become_resources(tmp_path):
    write(
        tmp_path,
        "backpropagation@x9Yq2K.md",
        "# Backpropagation\n\nHow gradients flow backwards.\n\nVisit the following resources:\n\n"
        "- [@article@Yes you should understand backprop](https://karpathy.medium.com/yes-you-should-understand-backprop-e2f06eab496b)\n"
        "- [@video@Backpropagation calculus](https://www.youtube.com/watch?v=tIeHLnjs5U8)\n"
        "- [@official@PyTorch autograd](https://docs.pytorch.org/docs/stable/autograd.html)\n",
    )

    assert load(tmp_path).status == 0
    module = Module.objects.get()
    assert module.slug == "backpropagation"
    assert module.title == "Backpropagation"
    assert module.summary == "How gradients flow backwards."
    assert [r["kind"] for r in module.resources] == ["article", "video", "docs"]
    assert module.resources[0]["title"] == "Yes you should understand backprop"
    assert "@article@" not in module.body_html


def test_a_generic_first_heading_does_not_become_the_title(tmp_path):
    write(
        tmp_path,
        "deep-learning/README.md",
        "# Contents\n\n- [a](#a)\n\n# Summary\n\nReal text here.\n",
    )
    load(tmp_path)
    module = Module.objects.get()
    assert module.title == "Deep learning"
    assert module.summary == "Real text here."


def test_summary_skips_badge_paragraphs_and_strips_markdown(tmp_path):
    write(
        tmp_path,
        "m.md",
        "![badge](https://x/y.svg)\n\n# T\n\nA **bold** [linked](https://x) claim\nover two lines.\n",
    )
    load(tmp_path)
    assert Module.objects.get().summary == "A bold linked claim over two lines."


def test_long_summaries_are_cut_at_a_word(tmp_path):
    write(tmp_path, "m.md", "# T\n\n" + "word " * 200)
    load(tmp_path)
    summary = Module.objects.get().summary
    assert len(summary) <= 301
    assert summary.endswith("word…")


def test_common_failures_are_read_from_their_section(tmp_path):
    write(
        tmp_path,
        "m.md",
        "# T\n\n## Common failures\n\n"
        "- **Hidden state not detached.** Memory grows every batch.\n"
        "- Targets off by one. The loss looks too good.\n"
        "  It continues here.\n\n## Next\n\n- not a failure\n",
    )
    load(tmp_path)
    assert Module.objects.get().common_failures == [
        {"title": "Hidden state not detached", "detail": "Memory grows every batch."},
        {"title": "Targets off by one", "detail": "The loss looks too good. It continues here."},
    ]


def test_task_items_inside_code_are_not_checkpoints(tmp_path):
    write(tmp_path, "m.md", "# T\n\n```\n- [ ] not me\n```\n\n- [ ] me\n  - [x] nested me\n")
    load(tmp_path)
    assert list(Module.objects.get().checkpoints.values_list("text", flat=True)) == [
        "me",
        "nested me",
    ]


def test_repeated_checkpoint_texts_get_numbered_keys(tmp_path):
    write(tmp_path, "m.md", "- [ ] Run it\n- [ ] Run it\n- [ ] Run it\n")
    load(tmp_path)
    keys = list(Module.objects.get().checkpoints.values_list("key", flat=True))
    assert keys == ["run-it", "run-it-2", "run-it-3"]

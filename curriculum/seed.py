"""The two module lists Trajectory ships with, seeded once and then owned by the admins.

Seeding creates a list only when no list with its slug exists, so running it again never
overwrites an admin's edits (reordering, notes, unpublishing). A list whose modules are not
all loaded yet is skipped with a message rather than created half-empty.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from curriculum.models import Module, ModuleList, ModuleListItem


@dataclass(frozen=True)
class Item:
    slug: str
    note: str = ""
    required: bool = True


@dataclass(frozen=True)
class ListSeed:
    slug: str
    title: str
    description: str
    items: tuple[Item, ...]
    # Modules the track takes as done before its first item (its description says so). Not
    # stored: the tests use it to check that every prerequisite is either assumed or earlier.
    assumes: tuple[str, ...] = ()


NLP_12_WEEKS = ListSeed(
    slug="nlp-practitioner-12-weeks",
    title="NLP practitioner in 22 weeks",
    description=(
        "The path of an experienced programmer who keeps only the NLP modules: information "
        "theory and an n-gram baseline, an MLP, an LSTM and then a transformer language model "
        "written from scratch, sequence-to-sequence attention, a proper evaluation harness, three "
        "papers read line by line, sampling and a key-value cache, fine-tuning on dialogue, and a "
        "chatbot at the end. 216 hours in all: about 22 weeks at 10 hours a week, or 12 weeks at "
        "18. It assumes you already write Python and NumPy comfortably and know how "
        "backpropagation works; if not, take the first modules of “Deep learning foundations” "
        "before it."
    ),
    items=(
        Item(
            "experiment-hygiene",
            "Set up run logging before the first experiment, not after the first lost result.",
        ),
        Item(
            "information-theory-for-lms",
            "Cross-entropy, perplexity and bits per character are the numbers every later module reports.",
        ),
        Item(
            "ngram-language-model",
            "The count-based baseline every neural model in the track has to beat.",
        ),
        Item(
            "mlp-language-model",
            "The smallest neural language model: embeddings, a hidden layer, a softmax over the vocabulary.",
        ),
        Item(
            "debugging-ml",
            "Overfit one batch and check gradients now; it saves days in the LSTM and transformer modules.",
        ),
        Item(
            "training-craft",
            "Initialization, normalization, schedules and clipping, which the LSTM module takes for granted.",
        ),
        Item(
            "lstm-language-model",
            "The first real build: an LSTM trained until its samples look like the corpus.",
        ),
        Item(
            "tokenization-bpe",
            "Byte-pair encoding, needed for the transformer and for reading GPT-2.",
        ),
        Item(
            "seq2seq-attention",
            "Attention as it first appeared, on top of recurrent networks; the attention paper builds on it.",
        ),
        Item(
            "paper-attention-is-all-you-need",
            "Read the transformer paper until you own every line of it.",
        ),
        Item(
            "transformer-language-model",
            "The second build: a decoder-only transformer, trained and compared with your LSTM.",
        ),
        Item(
            "evaluating-language-models",
            "Sliding-window perplexity, bits per byte and error bars, used by every module after it.",
        ),
        Item("paper-gpt-1", "Generative pre-training, then fine-tuning."),
        Item("paper-gpt-2", "Scale, zero-shot behaviour, and the tokenizer you will meet again."),
        Item(
            "sampling-decoding",
            "Temperature, top-k and nucleus sampling, judged on your own model's text.",
        ),
        Item(
            "kv-cache-generation",
            "Make generation fast: cache keys and values and measure tokens per second.",
        ),
        Item("finetune-dialogue", "Fine-tune a pretrained GPT on chat data."),
        Item(
            "chatbot-capstone",
            "Everything together: a chatbot you can talk to, with its runs and failures on record.",
        ),
    ),
    assumes=(
        "linear-algebra-probability",
        "calculus-for-backprop",
        "numpy-pytorch-fluency",
        "backprop-autograd-from-scratch",
    ),
)

DL_FOUNDATIONS = ListSeed(
    slug="deep-learning-foundations",
    title="Deep learning foundations",
    description=(
        "The groundwork under every track: the maths refreshed, the tools made fluent, "
        "backpropagation written by hand, and the craft of training and debugging models — "
        "then a first look beyond language at vision, reinforcement learning and generative models."
    ),
    items=(
        Item("linear-algebra-probability"),
        Item("calculus-for-backprop"),
        Item("numpy-pytorch-fluency"),
        Item("experiment-hygiene"),
        Item("backprop-autograd-from-scratch"),
        Item("debugging-ml"),
        Item("mlp-language-model"),
        Item("training-craft"),
        Item("convnets-vision", required=False),
        Item("generative-vae", required=False),
        Item("policy-gradients", required=False),
    ),
)

SEEDS = (NLP_12_WEEKS, DL_FOUNDATIONS)


def seed_lists(seeds: tuple[ListSeed, ...] = SEEDS) -> list[tuple[str, str]]:
    """Create each missing list. Returns (slug, what happened) per list."""
    outcome = []
    for seed in seeds:
        if ModuleList.objects.filter(slug=seed.slug).exists():
            outcome.append((seed.slug, "exists, left as the admins keep it"))
            continue
        modules = Module.objects.active().in_bulk(
            [item.slug for item in seed.items], field_name="slug"
        )
        missing = [item.slug for item in seed.items if item.slug not in modules]
        if missing:
            outcome.append((seed.slug, f"skipped: modules not loaded: {', '.join(missing)}"))
            continue
        with transaction.atomic():
            module_list = ModuleList.objects.create(
                slug=seed.slug, title=seed.title, description=seed.description, published=True
            )
            ModuleListItem.objects.bulk_create(
                ModuleListItem(
                    module_list=module_list,
                    module=modules[item.slug],
                    position=position,
                    note=item.note,
                    required=item.required,
                )
                for position, item in enumerate(seed.items)
            )
        outcome.append((seed.slug, "created"))
    return outcome

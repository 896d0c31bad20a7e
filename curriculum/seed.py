"""The module lists Trajectory ships with, and how a new release updates them.

A list is created when no list with its slug exists. A list that exists is updated to this
release's version only while it is still exactly as an earlier release of Trajectory seeded it
(same title, description, publication, items, notes, positions and required flags): then nobody
has edited it, and the installation gets the corrected track. Once an admin has changed anything
in it, the list is theirs and seeding never touches it again. A list whose modules are not all
loaded yet is skipped with a message rather than created or updated half-empty. Plans keep
their own copy of their modules, so updating a list never changes a plan started from it.
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
    # The versions earlier releases seeded under the same slug, exactly as they seeded them.
    earlier: tuple[ListSeed, ...] = ()


# --- earlier releases: frozen, exactly as they were seeded (never edit these) ---------------

_NLP_12_WEEKS_V1 = ListSeed(
    slug="nlp-practitioner-12-weeks",
    title="NLP practitioner in 12 weeks",
    description=(
        "The path of an experienced programmer who gives himself three months and keeps only "
        "the NLP modules: information theory, an LSTM and then a transformer language model "
        "written from scratch, three papers read line by line, fine-tuning on dialogue, fast "
        "sampling with a key-value cache, and a chatbot at the end. About 10–11 hours a week. "
        "It assumes you already write Python and NumPy comfortably and know how backpropagation "
        "works; if not, take the first modules of “Deep learning foundations” before it."
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
            "mlp-language-model",
            "The smallest neural language model: embeddings, a hidden layer, a softmax over the vocabulary.",
        ),
        Item(
            "debugging-ml",
            "Overfit one batch and check gradients now; it saves days in the LSTM and transformer modules.",
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
            "Attention as it first appeared, on top of recurrent networks.",
            required=False,
        ),
        Item(
            "paper-attention-is-all-you-need",
            "Read the transformer paper until you own every line of it.",
        ),
        Item(
            "transformer-language-model",
            "The second build: a decoder-only transformer, trained and compared with your LSTM.",
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
            "evaluating-language-models",
            "Know whether the fine-tuned model is better, not just different.",
            required=False,
        ),
        Item(
            "chatbot-capstone",
            "Everything together: a chatbot you can talk to, with its runs and failures on record.",
        ),
    ),
)

_DL_FOUNDATIONS_V1 = ListSeed(
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
        Item(
            "scaling-distributed-training",
            "Read after a transformer module, when scale starts to matter.",
            required=False,
        ),
    ),
)


# --- this release -------------------------------------------------------------------------

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
    earlier=(_NLP_12_WEEKS_V1,),
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
    earlier=(_DL_FOUNDATIONS_V1,),
)

MODERN_LLM = ListSeed(
    slug="from-gpt-2-to-a-modern-llm",
    title="From GPT-2 to a modern LLM",
    description=(
        "Where “NLP practitioner” ends: from the GPT-2 you rebuilt to the way open models are "
        "built, trained, aligned and served today. The Llama-style decoder with fast attention, "
        "the arithmetic of scale, a deduplicated and decontaminated corpus with a compute-optimal "
        "sweep, instruction tuning and DPO, quantized and batched inference with speculative "
        "decoding, and retrieval-augmented generation with a faithfulness evaluation. 112 hours "
        "for the required modules, 131 with the two optional ones: about 11 to 13 weeks at 10 "
        "hours a week. A GPU is needed for several modules. It assumes every module of "
        "“NLP practitioner”."
    ),
    items=(
        Item(
            "modern-decoder",
            "Your GPT-2 block rebuilt the Llama way, proved by matching a released checkpoint's logits.",
        ),
        Item(
            "someone-elses-codebase",
            "Practise on nanoGPT before working inside TRL, Faiss or vLLM.",
            required=False,
        ),
        Item(
            "scaling-distributed-training",
            "Compute, memory and parallelism arithmetic; the data module's sweep builds on it.",
        ),
        Item(
            "data-and-scaling",
            "What goes into the corpus, what must stay out of it, and how big a model the budget buys.",
        ),
        Item(
            "post-training",
            "From a base model to an assistant: instruction tuning, then DPO, with RLHF explained.",
        ),
        Item(
            "inference-engineering",
            "Quantization, continuous batching and speculative decoding, each with its exactness test.",
        ),
        Item(
            "word-embeddings",
            "The simplest contrastive embedding model, if you want its roots before retrieval.",
            required=False,
        ),
        Item(
            "retrieval-augmented-generation",
            "Contrastive encoders, vector search and RAG, evaluated part by part.",
        ),
    ),
    assumes=tuple(item.slug for item in NLP_12_WEEKS.items) + NLP_12_WEEKS.assumes,
)

SEEDS = (NLP_12_WEEKS, DL_FOUNDATIONS, MODERN_LLM)

# What seed_lists() reports for each list.
CREATED = "created"
UPDATED = "updated: it was exactly as an earlier release seeded it"
CURRENT = "exists, as this release seeds it"
KEPT = "exists, left as the admins keep it"


def seed_lists(seeds: tuple[ListSeed, ...] = SEEDS) -> list[tuple[str, str]]:
    """Create each missing list and update each one no admin has touched since an earlier
    release seeded it. Returns (slug, what happened) per list."""
    outcome = []
    for seed in seeds:
        existing = ModuleList.objects.filter(slug=seed.slug).first()
        if existing is not None:
            state = _state(existing)
            if state == _seeded_state(seed):
                outcome.append((seed.slug, CURRENT))
                continue
            if not any(state == _seeded_state(old) for old in seed.earlier):
                outcome.append((seed.slug, KEPT))
                continue
        modules = Module.objects.active().in_bulk(
            [item.slug for item in seed.items], field_name="slug"
        )
        missing = [item.slug for item in seed.items if item.slug not in modules]
        if missing:
            outcome.append((seed.slug, f"skipped: modules not loaded: {', '.join(missing)}"))
            continue
        with transaction.atomic():
            if existing is None:
                module_list = ModuleList.objects.create(
                    slug=seed.slug, title=seed.title, description=seed.description, published=True
                )
                result = CREATED
            else:
                module_list = ModuleList.objects.select_for_update().get(pk=existing.pk)
                if not any(_state(module_list) == _seeded_state(old) for old in seed.earlier):
                    outcome.append((seed.slug, KEPT))  # edited while we were looking
                    continue
                module_list.title, module_list.description = seed.title, seed.description
                module_list.save(update_fields=["title", "description", "updated_at"])
                module_list.items.all().delete()
                result = UPDATED
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
        outcome.append((seed.slug, result))
    return outcome


def _seeded_state(seed: ListSeed) -> tuple:
    """What a list looks like right after `seed` created it."""
    items = tuple(
        (position, item.slug, item.note, item.required) for position, item in enumerate(seed.items)
    )
    return (seed.title, seed.description, True, items)


def _state(module_list: ModuleList) -> tuple:
    items = tuple(
        (item.position, item.module.slug, item.note, item.required)
        for item in module_list.items.select_related("module").order_by("position", "id")
    )
    return (module_list.title, module_list.description, module_list.published, items)

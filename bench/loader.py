"""Loading 1,000 generated modules, beside Python-Markdown alone rendering the same files.

Phases, all in one process on the same files:

- **render alone** (the baseline): for each file, read it, cut the body off after the front
  matter's closing `---` (plain string slicing, no YAML), and convert it with one reused
  Python-Markdown instance configured exactly as the loader's (`rendering.new_markdown()`:
  fenced_code, tables, sane_lists, codehilite with Pygments, toc with our heading ids, and our
  LaTeX-to-MathML extension, which is part of that configuration). Not included: YAML parsing
  and validation, the body scan for checkpoints and failures, nh3 sanitizing, rendering each
  checkpoint inline, hashing, slug and prerequisite checks, and the database.
- **render, no math** (for information, no target): the same instance with our math
  extension taken out, which is what Python-Markdown and Pygments cost by themselves;
  latex2mathml is most of the difference.
- **first load**: `load_curriculum([folder])` into a new, empty, migrated database.
- **reload**: the same call again with nothing changed.

Each round runs the four in that order with a new database; the medians over the rounds are
compared. Query counts come from one extra round under CaptureQueriesContext, untimed, so
recording SQL text does not weigh on the timings.

Targets (Foundation issue): first load ≤ 2× render alone; reload ≤ 0.2× first load.
"""

from __future__ import annotations

import os
import random
import re
import shutil
from collections import Counter
from pathlib import Path

from bench import _support

MODULES = int(os.environ.get("BENCH_MODULES", "1000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
SEED = 20250101
FIRST_LOAD_TARGET = 2.0  # × render alone
RELOAD_TARGET = 0.2  # × first load


def run() -> None:
    from curriculum.rendering import new_markdown

    folder = _support.scratch_dir() / "modules"
    files = generate(folder, MODULES, seed=SEED)
    sizes = [path.stat().st_size for path in files]
    print(
        f"{len(files)} modules generated in {folder} (seed {SEED}): "
        f"{sum(sizes) / 1e6:.1f} MB, {min(sizes) / 1000:.1f}–{max(sizes) / 1000:.1f} KB a file, "
        f"mean {sum(sizes) / len(sizes) / 1000:.1f} KB"
    )

    render_alone = _render_alone(files, new_markdown(anchors=True))
    no_math = new_markdown(anchors=True)
    no_math.preprocessors.deregister("block_math")
    no_math.inlinePatterns.deregister("display_math")
    no_math.inlinePatterns.deregister("inline_math")
    render_no_math = _render_alone(files, no_math)
    # Warm-up, untimed: lazy imports (Pygments lexers, latex2mathml tables), and a check that
    # every generated formula parses, so the baseline renders math rather than error markup.
    errors = sum(page.count('class="math-error"') for page in render_alone())
    if errors:
        raise SystemExit(f"{errors} generated formulas do not parse: fix the generator")
    render_no_math()

    print(f"before: {_support.load_average()}")
    wall: dict[str, list[float]] = {"render": [], "no_math": [], "first": [], "reload": []}
    cpu: dict[str, list[float]] = {phase: [] for phase in wall}
    for number in range(1, ROUNDS + 1):
        phases = {"render": render_alone, "no_math": render_no_math}
        with _support.fresh_database():
            phases["first"] = lambda: _expect(_load(folder), created=len(files))
            phases["reload"] = lambda: _expect(_load(folder), unchanged=len(files))
            for phase, function in phases.items():
                seconds, cpu_seconds, _ = _support.timed(function)
                wall[phase].append(seconds)
                cpu[phase].append(cpu_seconds)
        print(
            f"round {number}/{ROUNDS}: render alone {wall['render'][-1]:.2f} s "
            f"(no math {wall['no_math'][-1]:.2f} s), "
            f"first load {wall['first'][-1]:.2f} s, reload {wall['reload'][-1]:.3f} s"
        )
    print(f"after: {_support.load_average()}")

    _print_results(wall, cpu, _count_queries(folder), len(files))


def _load(folder: Path):
    from curriculum.loader import load_curriculum

    return load_curriculum([folder])


def _render_alone(files: list[Path], renderer):
    def render() -> list[str]:
        pages = []
        for path in files:
            text = path.read_text(encoding="utf-8-sig")
            body = text[text.index("\n---\n", 4) + 5 :] if text.startswith("---\n") else text
            pages.append(renderer.reset().convert(body))
        renderer.reset()
        return pages

    return render


def _expect(report, *, created: int = 0, unchanged: int = 0) -> None:
    got = (len(report.created), len(report.updated), len(report.unchanged), len(report.retired))
    if got != (created, 0, unchanged, 0):
        raise SystemExit(f"unexpected load result: {report.summary()}")


def _count_queries(folder: Path) -> dict[str, Counter]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts: dict[str, Counter] = {"render": Counter(), "no_math": Counter()}
    with _support.fresh_database():
        for phase in ("first", "reload"):
            with CaptureQueriesContext(connection) as captured:
                _load(folder)
            counts[phase] = Counter(
                query["sql"].lstrip().split(None, 1)[0].upper()
                for query in captured.captured_queries
            )
    return counts


def _print_results(wall: dict, cpu: dict, queries: dict[str, Counter], n: int) -> None:
    from django.db import connection

    w = {phase: _support.median(values) for phase, values in wall.items()}
    c = {phase: _support.median(values) for phase, values in cpu.items()}
    print(f"\nmedians of {ROUNDS} rounds, {n} files, database: {connection.vendor}")
    print(f"{'phase':<14}{'wall s':>9}{'ms/file':>9}{'CPU s':>9}   queries")
    for label, phase in (
        ("render alone", "render"),
        ("  no math", "no_math"),
        ("first load", "first"),
        ("reload", "reload"),
    ):
        counted = queries[phase]
        detail = ", ".join(f"{kind} {count}" for kind, count in sorted(counted.items()))
        print(
            f"{label:<14}{w[phase]:>9.3f}{w[phase] / n * 1000:>9.3f}{c[phase]:>9.3f}   "
            f"{sum(counted.values())}{f' ({detail})' if detail else ''}"
        )
    for name, top, bottom, target in (
        ("first load / render alone", "first", "render", FIRST_LOAD_TARGET),
        ("reload / first load", "reload", "first", RELOAD_TARGET),
    ):
        ratio = w[top] / w[bottom]
        rounds = [a / b for a, b in zip(wall[top], wall[bottom], strict=True)]
        print(
            f"{name:<26}= {ratio:.3f}  (rounds {min(rounds):.3f}–{max(rounds):.3f}; "
            f"CPU time {c[top] / c[bottom]:.3f}; target ≤ {target}: "
            f"{'met' if ratio <= target else 'NOT MET'})"
        )
    print(
        f"{'first load / no math':<26}= {w['first'] / w['no_math']:.3f}  (for information: "
        f"math is {1 - w['no_math'] / w['render']:.0%} of render alone)"
    )


# --- the generated curriculum ------------------------------------------------------------

AREAS = ["foundations", "deep-learning", "nlp", "vision", "reinforcement", "systems", "papers"]
TOPICS = [
    "nlp", "language-models", "transformers", "attention", "embeddings", "optimization",
    "probability", "linear-algebra", "calculus", "pytorch", "numpy", "tokenization", "rnn",
    "convnets", "vision", "generative-models", "reinforcement-learning", "evaluation",
    "experiment-tracking", "debugging", "distributed-training", "inference", "fine-tuning",
    "information-theory", "regularization", "statistics", "datasets", "reproducibility",
    "kernels", "gpus", "sampling", "dialogue", "retrieval", "alignment", "scaling",
    "Transfer Learning", "Mixed precision", "Graph neural networks",
]  # fmt: skip
KINDS = ["build", "build", "build", "theory", "paper", "practice"]
RESOURCE_KINDS = ["paper", "paper", "docs", "docs", "article", "code", "video", "book", "dataset"]
NOUNS = [
    "model", "gradient", "loss", "batch", "tokenizer", "embedding", "layer", "optimizer",
    "learning rate", "checkpoint", "dataset", "validation split", "attention head", "softmax",
    "logit", "weight matrix", "hidden state", "sequence", "vocabulary", "sampler", "schedule",
    "baseline", "experiment", "config", "seed", "kernel", "activation", "residual stream",
    "normalization", "perplexity", "benchmark", "test set", "probability", "estimate",
]  # fmt: skip
VERBS = [
    "computes", "changes", "explains", "hides", "limits", "controls", "reveals", "breaks",
    "stabilizes", "dominates", "predicts", "measures", "shifts", "scales", "reuses", "bounds",
]  # fmt: skip
ADJECTIVES = [
    "small", "noisy", "stable", "expensive", "careful", "naive", "held-out", "pretrained",
    "causal", "sparse", "dense", "fixed", "learned", "quiet", "reproducible", "unbiased",
]  # fmt: skip
OPENERS = [
    "In practice,", "Before anything else,", "As a rule,", "For this module,", "Notice that",
    "Surprisingly,", "In the paper,", "At this scale,", "Once it trains,", "Crucially,",
]  # fmt: skip
INLINE_MATH = [
    r"p(x_t \mid x_{{<t}})", r"\ln {n}0 \approx {n}.{m}", r"W \in \mathbb{{R}}^{{d \times {n}}}",
    r"\alpha = 10^{{-{n}}}", r"\sigma(x) = 1 / (1 + e^{{-x}})", r"\nabla_\theta \mathcal{{L}}",
    r"O(n^2 d)", r"\sqrt{{d_k}}", r"\beta_{n} = 0.{m}", r"H(p, q) = -\sum_x p(x) \log q(x)",
    r"\mathbb{{E}}[x^{n}]", r"\hat{{y}}_{n}", r"x_{{t-{n}}}", r"\lVert g \rVert_2 \le {n}",
    r"\frac{{1}}{{N}} \sum_{{i=1}}^{{N}} \ell_i", r"\theta_{{t+1}} = \theta_t - \eta g_t",
    r"k = {n}", r"d_{{model}} = {n}{m}", r"\mathrm{{KL}}(q \| p)", r"\lambda = 0.{n}{m}",
    r"h_t = \tanh(W x_t + U h_{{t-1}} + b)", r"|V| = {n}{m},000", r"T = {n}.{m}",
]  # fmt: skip
DISPLAY_MATH = [
    r"\mathrm{{softmax}}(z)_i = \frac{{e^{{z_i / T}}}}{{\sum_{{j=1}}^{{{n}}} e^{{z_j / T}}}}",
    r"\mathcal{{L}}(\theta) = -\frac{{1}}{{N}} \sum_{{t=1}}^{{N}} \log p_\theta(x_t \mid x_{{<t}}) + {m} \lambda \lVert \theta \rVert_2^2",
    r"\mathrm{{Attention}}(Q, K, V) = \mathrm{{softmax}}\left( \frac{{Q K^\top}}{{\sqrt{{d_k}}}} \right) V",
    r"m_t = \beta_1 m_{{t-1}} + (1 - \beta_1) g_t, \qquad \hat{{m}}_t = \frac{{m_t}}{{1 - \beta_1^t}}",
    r"\mathrm{{PPL}} = \exp\left( -\frac{{1}}{{N}} \sum_{{t=1}}^{{N}} \log P(w_t \mid w_{{t-{n}}}, \ldots, w_{{t-1}}) \right)",
    r"h = W_0 x + \frac{{\alpha}}{{r}} B A x, \qquad A \in \mathbb{{R}}^{{{n} \times k}}",
]  # fmt: skip
CODE_LINES = [
    "{a} = torch.randn({n}, {m}, device=device)",
    "loss = F.cross_entropy({a}(x).view(-1, vocab_size), y.view(-1))",
    "optimizer.zero_grad(set_to_none=True)",
    "loss.backward()",
    "grad_norm = torch.nn.utils.clip_grad_norm_({a}.parameters(), max_norm={n}.0)",
    "optimizer.step()",
    "scheduler.step()  # per optimizer step, not per epoch",
    "log(step=step, loss=loss.item(), lr=scheduler.get_last_lr()[0])",
    "{a} = {b}[:, -{n}:, :]  # keep the last {n} positions",
    "assert {a}.shape == ({n}, {m}), {a}.shape",
    "with torch.no_grad():",
    "    {b} = model({a}).softmax(dim=-1)",
    "for step, (x, y) in enumerate(loader):",
    "    x, y = x.to(device), y.to(device)",
    "{a} = {{'lr': 3e-4, 'batch_size': {n}{m}, 'seed': {n}}}",
]  # fmt: skip
FAILURES = [
    "Forgetting to detach the hidden state", "Shifting labels twice", "Tuning on the test set",
    "Averaging per-batch perplexities", "No warmup on a deep model", "Leaking validation data",
    "Evaluating in training mode", "Padding masked out of the loss", "A silent dtype upcast",
    "Logging the wrong learning rate", "Comparing runs with one seed", "Caching stale tokens",
]  # fmt: skip


def generate(folder: Path, count: int, *, seed: int) -> list[Path]:
    """Write `count` module files into `folder` (emptied first); the same seed, the same bytes."""
    if folder.exists():
        shutil.rmtree(folder)
    rng = random.Random(seed)
    slugs: list[str] = []
    files: list[Path] = []
    for index in range(count):
        words = rng.sample(NOUNS, 2)
        slug = f"{'-'.join('-'.join(w.split()) for w in words)}-{index:04d}"
        area = AREAS[index * len(AREAS) // count]
        path = folder / area / f"{slug}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_module(rng, slug, words, slugs), encoding="utf-8")
        slugs.append(slug)
        files.append(path)
    return files


def _module(rng: random.Random, slug: str, words: list[str], earlier: list[str]) -> str:
    title = f"{rng.choice(['Build', 'Measure', 'Debug', 'Train', 'Read'])} the {words[0]} and its {words[1]}"
    recent = earlier[-60:]
    prerequisites = rng.sample(recent, min(len(recent), rng.choice([0, 1, 1, 2, 2, 3])))
    lines = [
        "---",
        f"slug: {slug}",
        f"title: {title}",
        f"summary: {_sentence(rng, math=False)} {_sentence(rng, math=False)}",
        f"kind: {rng.choice(KINDS)}",
        f"topics: [{', '.join(rng.sample(TOPICS, rng.randint(2, 5)))}]",
        f"hours: {rng.choice([2, 3, 4, 6, 8, 10, 12, 16, 20, 1.5, 2.5, 7.5])}",
        f"prerequisites: [{', '.join(prerequisites)}]",
        "resources:",
    ]
    for _ in range(rng.randint(2, 6)):
        kind = rng.choice(RESOURCE_KINDS)
        lines += [
            f'  - title: "{_phrase(rng).capitalize()} ({rng.choice(["Vaswani", "Bengio", "Radford", "Kingma"])} et al., {rng.randint(1997, 2024)})"',
            f"    url: https://arxiv.org/abs/{rng.randint(1500, 2412)}.{rng.randint(1, 19999):05d}",
            f"    kind: {kind}",
        ]
    lines += ["---", "", f"# {title}", "", _paragraph(rng, 4, 6), ""]
    lines += ["## Why it matters", "", _paragraph(rng, 3, 5), ""]
    lines += [f"- {_sentence(rng)}" for _ in range(rng.randint(3, 4))] + [""]
    lines += ["## Learning objectives", "", "After this module you can:", ""]
    lines += [f"- {_sentence(rng, math=False)}" for _ in range(rng.randint(4, 5))] + [""]
    lines += ["## Deliverable", "", _paragraph(rng, 2, 4), ""]
    for number in range(rng.randint(4, 6)):
        text = " ".join(_sentence(rng) for _ in range(rng.randint(1, 2))).rstrip(".")
        key = f" {{#{'-'.join(rng.sample(ADJECTIVES, 2))}-{number}}}" if rng.random() < 0.6 else ""
        lines.append(f"- [ ] {text}{key}")
    lines += ["", "## Key ideas", ""]
    tail = ["## Steps", ""]
    tail += [f"{n}. {_sentence(rng)} {_sentence(rng)}" for n in range(1, rng.randint(5, 7))]
    tail += ["", "## Common failures", ""]
    for failure in rng.sample(FAILURES, rng.randint(4, 6)):
        tail.append(f"- **{failure}.** {_sentence(rng)} {_sentence(rng, math=False)}")
    tail += ["", "## Resources", "", _paragraph(rng, 2, 3), ""]
    # The key ideas fill the file up to a size drawn evenly from 8.2–11.8 KB.
    rest = sum(len(line) + 1 for line in [*lines, *tail])
    return "\n".join([*lines, *_key_ideas(rng, rng.randint(8200, 11800) - rest), *tail])


def _key_ideas(rng: random.Random, target: int) -> list[str]:
    lines: list[str] = []
    a, b = rng.sample(["model", "logits", "probs", "cache", "batch", "mask", "scores"], 2)
    code = [
        line.format(a=a, b=b, n=rng.randint(2, 9), m=rng.randint(0, 9))
        for line in rng.sample(CODE_LINES, rng.randint(8, 12))
    ]
    table = [
        f"| {_phrase(rng)} | {_phrase(rng)} | {_phrase(rng)} |",
        "|---|---|---|",
        *(
            f"| `{rng.choice(NOUNS)}` | {_phrase(rng)} | {rng.randint(1, 999)}.{rng.randint(0, 9)} |"
            for _ in range(rng.randint(4, 6))
        ),
    ]
    blocks = [
        ["```python", *code, "```"],
        table,
        ["$$", _math(rng, DISPLAY_MATH), "$$"],
        ["$$", _math(rng, DISPLAY_MATH), "$$"],
    ]
    size = sum(len(line) + 1 for block in blocks for line in [*block, ""])
    while size < target - 200 or blocks:
        title = rng.choice(NOUNS).capitalize()
        paragraph = _paragraph(rng, 2, 5, prefix=f"**{title}.** ")
        lines += [paragraph, ""]
        size += len(paragraph) + 2
        if blocks:
            block = blocks.pop(0)
            lines += [*block, ""]
    return lines


def _math(rng: random.Random, pool: list[str]) -> str:
    return rng.choice(pool).format(n=rng.randint(2, 9), m=rng.randint(0, 9))


def _phrase(rng: random.Random) -> str:
    return f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)}"


def _sentence(rng: random.Random, *, math: bool = True) -> str:
    parts = [rng.choice(OPENERS)] if rng.random() < 0.3 else []
    for _ in range(rng.randint(1, 3)):
        parts += [f"the {_phrase(rng)}", rng.choice(VERBS)]
    parts.append(f"the {rng.choice(NOUNS)}")
    extra = rng.random()
    if math and extra < 0.23:
        parts.append(f"when ${_math(rng, INLINE_MATH)}$")
    elif extra < 0.35:
        parts.append(
            f"with `{rng.choice(['torch.no_grad()', 'model.eval()', 'seed=0', 'x.shape'])}`"
        )
    elif extra < 0.43:
        parts.append(f"(see [the notes](https://example.org/{rng.randint(1, 999)}))")
    elif extra < 0.52:
        parts.append(f"*{rng.choice(ADJECTIVES)}*")
    text = " ".join(parts)
    return text[0].upper() + text[1:] + "."


# Spans a line break must not split: inline math, code, links.
_ATOMIC = re.compile(r"\$[^$]+\$|`[^`]+`|\[[^\]]+\]\([^)]+\)")


def _paragraph(rng: random.Random, low: int, high: int, *, prefix: str = "") -> str:
    sentences = [prefix.strip(), *(_sentence(rng) for _ in range(rng.randint(low, high)))]
    # Wrapped at about 100 characters, as the real modules are, never inside math, code or links.
    text = _ATOMIC.sub(lambda m: m.group(0).replace(" ", "\x00"), " ".join(sentences).strip())
    lines, line = [], ""
    for word in text.replace(" ", "\n").replace("\x00", " ").split("\n"):
        if line and len(line) + len(word) > 99:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return "\n".join([*lines, line])

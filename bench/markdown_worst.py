"""The renderer's worst case: pathological markdown beside plain prose of the same length.

Every input of a generated corpus is rendered with `render_markdown(text, anchors=False)` (what
learner text gets) at 2,000 and 20,000 characters — the limit of a note, a failure field or a
run's notes — and timed beside prose of exactly the same length (paragraphs of words with
commas and full stops, no markup). Time is CPU time of this process, the best of ROUNDS tries,
prose and input taken in turn, so another program on the machine weighs on neither alone.

The corpus (`corpus(n)`), each input cut or repeated to exactly n characters:

- each inline construct's opener, closer and both, repeated: brackets, links, images,
  references, emphasis, code spans, autolinks, raw HTML, entities, escapes, line breaks, math;
- runs and mixes known to be quadratic in markdown parsers (`**_* `, `\\``, `[ (](`, `]([`…);
- each block construct repeated: list items, block quotes, headings, rules, setext headings,
  tables, indented and fenced code (closed and never closed), HTML blocks, paragraphs;
- nesting: brackets, parentheses, emphasis, tags, quotes and lists inside each other;
- a run of every printable ASCII character, tab and newline;
- formulas: long ones, many short ones, nested braces, environments;
- fenced code in every language we highlight, and one we don't, with ordinary code and runs
  of the characters lexers find hardest;
- the prose itself with markup sprinkled in (what learners really write).

Target (issue 12): the worst ratio ≤ 25× at both sizes. The `guarded` column says how the
renderer answered: `markdown` (rendered), `plain` (over budget: shown as plain text).

For comparison, the worst inputs at 2,000 characters are also rendered the way they were
before the bounds (Python-Markdown and nh3 alone, `unguarded`); at 20,000 characters that
would take minutes.
"""

from __future__ import annotations

import os
import random
import string
import time

SIZES = [int(size) for size in os.environ.get("BENCH_SIZES", "2000,20000").split(",")]
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
TARGET = 25.0
SEED = 12
WORDS = [
    "the", "model", "learns", "a", "representation", "of", "data", "and", "loss", "goes",
    "down", "slowly", "while", "gradients", "flow", "back", "through", "every", "layer", "we",
    "check", "shapes", "twice", "then", "train", "again",
]  # fmt: skip


def prose(n: int, seed: int = SEED) -> str:
    rng = random.Random(seed)
    out: list[str] = []
    size = 0
    while size < n:
        sentences = []
        for _ in range(rng.randint(3, 7)):
            words = [rng.choice(WORDS) for _ in range(rng.randint(6, 18))]
            if len(words) > 8:
                words[rng.randint(2, len(words) - 3)] += ","
            sentences.append(" ".join(words).capitalize() + ".")
        paragraph = " ".join(sentences) + "\n\n"
        out.append(paragraph)
        size += len(paragraph)
    return "".join(out)[:n]


def repeat(piece: str, n: int) -> str:
    return (piece * (n // len(piece) + 1))[:n]


def nest(opener: str, closer: str, n: int, middle: str = "a") -> str:
    k = max(1, (n - len(middle)) // (len(opener) + len(closer)))
    return (opener * k + middle + closer * k)[:n].ljust(n, "a")


def fence(lang: str, body: str, n: int) -> str:
    head, tail = f"```{lang}\n", "\n```\n"
    return head + repeat(body, n - len(head) - len(tail)) + tail


INLINE = [
    "[", "]", "[]", "[a]", "![", "![]", "[](", "[a](", "](", "]()", "[]((", "[a](b", "[a][",
    "[a]: ", "(", ")", "*", "**", "***", "*a", "*a* ", "**a", "**a** ", "**_* ", "_", "__",
    "_a", "_a_ ", "`", "``", "`a", "`a` ", "\\``", "\\", "\\*", "\\[", "<", ">", "<>", "<a",
    "<a ", "<a>", "</a>", "</", "<!--", "-->", "<!", "<?", "<![CDATA[", "<http://", "<a@b",
    "<https://x.y/", "&", "&amp;", "&#", "&#x", "&#1;", "~~", "~~a", "  \n", "a  \n", "[ (](",
    "]([\n", "[a](<", "[a](b \"", "![a](b 'c", "$", "$$", "$x$ ", "$$x$$ ", "$a", "\\$",
    "<span>", "<a href=\"", "<img src=x ", "<div>", "</div>", "<a><b>", "*[", "[*", "_[",
    "`[", "[`", "<[", "[<", "$[", "[$",
]  # fmt: skip
BLOCK = [
    "- a\n", "- a\n\n", "* a\n", "+ a\n", "1. a\n", "1) a\n", "- [ ] a\n", "> a\n", "> ",
    ">", "# a\n", "###### a\n", "#", "---\n", "***\n", "-\n", "a\n===\n", "a\n---\n",
    "    a\n", "\ta\n", "a\n", "a\n\n", "|a|b|\n", "```\na\n```\n", "```\n", "````\n```\n",
    "~~~\n", "```python\na\n```\n", "<div>\n", "<div>a</div>\n\n", "<!--\n", "$$\n",
    "$$\nx\n$$\n", "[a]: http://x\n", "- - - a\n", "> - ", "- > ", "  - a\n", "1. - a\n",
    "- a\n  - b\n", "a\n    b\n", "- a\n\n    b\n",
]  # fmt: skip


def corpus(n: int) -> dict[str, str]:
    cases: dict[str, str] = {}
    for piece in INLINE + BLOCK:
        cases[f"repeat {piece!r}"] = repeat(piece, n)
    cases["table"] = ("|a|b|\n|-|-|\n" + repeat("|a|b|\n", n))[:n]
    cases["table wide"] = ("|" + "a|" * 200 + "\n|" + "-|" * 200 + "\n" + repeat("|a", n))[:n]
    for opener, closer in [
        ("[", "]"), ("(", ")"), ("*", "*"), ("_", "_"), ("**", "**"), ("`", "`"),
        ("<a>", "</a>"), ("<div>", "</div>"), ("<span>", "</span>"), ("[", "](a)"),
        ("![", "](a)"), ("[", "]("), ("{", "}"), ("$", "$"), ("<", ">"), ("[(", ")]"),
    ]:  # fmt: skip
        cases[f"nest {opener!r} {closer!r}"] = nest(opener, closer, n)
    for prefix in ["> ", "- ", "* ", "1. ", "> - ", "- > ", ">"]:
        cases[f"nest lines {prefix!r}"] = "".join(prefix * i + "a\n" for i in range(1, 400))[:n]
        cases[f"nest one line {prefix!r}"] = repeat(prefix, n - 1) + "a"
    cases["nest indented lists"] = "".join("    " * i + "- a\n" for i in range(400))[:n]
    for char in string.printable:
        cases[f"run {char!r}"] = char * n
    cases["math long"] = "$" + repeat("x+", n - 2) + "$"
    cases["math long block"] = "$$\n" + repeat("x^{2}_{i} + ", n - 6) + "\n$$"
    cases["math frac"] = "$" + repeat("\\frac{a}{b}", n - 2) + "$"
    cases["math many"] = repeat("$x$ ", n)
    cases["math many display"] = repeat("$$x$$ ", n)
    cases["math braces"] = "$" + nest("{", "}", n - 2) + "$"
    cases["math sqrt"] = "$" + nest("\\sqrt{", "}", n - 2) + "$"
    cases["math matrix"] = "$$\n\\begin{matrix}" + repeat("a&", n - 32) + "\\end{matrix}\n$$"
    cases["math left"] = "$" + repeat("\\left(", n - 2) + "$"
    code = {
        "python": "x = f(a, b) + 1  # comment\n",
        "bash": "for f in *.txt; do echo \"$f\" | grep -v '^#'; done\n",
        "json": '{"a": [1, 2.5, "x", null, true], "b": {"c": "d"}}\n',
        "yaml": "key: [1, 2]\nother: {a: b}  # c\n- item: 'x'\n",
        "sql": "SELECT a, b FROM t WHERE c = 'x' AND d > 1; -- note\n",
        "diff": "--- a\n+++ b\n@@ -1 +1 @@\n-x\n+y\n",
        "toml": '[a]\nb = "c"\nd = [1, 2]\n',
        "ini": "[a]\nb = c\n; d\n",
        "pycon": ">>> x = 1\n>>> x\n1\n",
        "console": "$ ls -la\ntotal 0\n",
        "perl": "my $x = <STDIN>; print $x =~ s/a/b/r;\n",
        "": "plain code line\n",
    }
    for lang, sample in code.items():
        cases[f"code {lang or 'none'} ordinary"] = fence(lang, sample, n)
        for body in ["(", "'", '"', "\\", "#", "<", "$", "/*", " ", "a", "{", "[", "`", "0."]:
            cases[f"code {lang or 'none'} run {body!r}"] = fence(lang, body, n)
            line = repeat(body, 299) + "\n"
            cases[f"code {lang or 'none'} lines of {body!r}"] = fence(lang, line, n)
    cases["code many blocks"] = repeat("```python\nx = 1\n```\n", n)
    cases["prose with markup"] = _prose_with_markup(n)
    return cases


def _prose_with_markup(n: int) -> str:
    rng = random.Random(SEED)
    words = prose(n).split(" ")
    marks = ["**{}**", "*{}*", "`{}`", "[{}](https://example.com/x)", "$x_{}$", "<kbd>{}</kbd>"]
    for index in range(0, len(words), 7):
        if words[index].isalpha():
            words[index] = rng.choice(marks).format(words[index])
    return " ".join(words)[:n]


def cpu(function) -> float:
    start = time.process_time()
    function()
    return time.process_time() - start


def measure(n: int) -> list[tuple[float, str, float, float, str]]:
    from curriculum import bounds
    from curriculum.rendering import render_markdown

    baseline = prose(n)
    assert len(baseline) == n
    for _ in range(3):
        render_markdown(baseline, anchors=False)  # warm caches: lexers, regexes
    rows = []
    for name, text in corpus(n).items():
        assert len(text) == n, (name, len(text))
        best_text = best_prose = float("inf")
        for _ in range(ROUNDS):
            best_prose = min(best_prose, cpu(lambda: render_markdown(baseline, anchors=False)))
            best_text = min(best_text, cpu(lambda text=text: render_markdown(text, anchors=False)))
        answer = "plain" if bounds.measure(text).problem else "markdown"
        rows.append((best_text / best_prose, name, best_text, best_prose, answer))
    rows.sort(reverse=True)
    return rows


def run() -> None:
    print(f"render_markdown(text, anchors=False): CPU time, best of {ROUNDS}, beside prose")
    for n in SIZES:
        rows = measure(n)
        plain = sum(1 for row in rows if row[4] == "plain")
        ratios = sorted(row[0] for row in rows)
        print(
            f"\n{n:,} characters: {len(rows)} inputs, {plain} shown as plain text; "
            f"prose {rows[0][3] * 1000:.2f} ms; median ratio {ratios[len(ratios) // 2]:.1f}×"
        )
        print("  slowest 15:")
        for ratio, name, seconds, _, answer in rows[:15]:
            print(f"    {ratio:6.1f}×  {seconds * 1000:8.2f} ms  {answer:8}  {name}")
        worst = rows[0]
        verdict = "within" if worst[0] <= TARGET else "OVER"
        print(f"  worst: {worst[0]:.1f}× ({worst[1]}), {verdict} the {TARGET:.0f}× target")
        if n <= 2_000:
            _unguarded(n, rows[0][3])


def _unguarded(n: int, prose_seconds: float) -> None:
    """The ten slowest inputs rendered as before the bounds: Python-Markdown, then nh3."""
    from curriculum.rendering import new_markdown, sanitize

    texts = corpus(n)
    renderer = new_markdown(anchors=False)
    rows = []
    for name, text in texts.items():
        try:
            seconds = cpu(lambda text=text: sanitize(renderer.reset().convert(text)))
            rows.append((seconds / prose_seconds, name, ""))
        except RecursionError:
            rows.append((0.0, name, "RecursionError"))
    rows.sort(key=lambda row: (row[2] != "", row[0]), reverse=True)
    raised = [name for _, name, error in rows if error]
    print(f"  unguarded (before the bounds), slowest 10 of {len(rows)}:")
    for ratio, name, _ in [row for row in rows if not row[2]][:10]:
        print(f"    {ratio:8.1f}×  {name}")
    print(f"  unguarded: {len(raised)} inputs raised RecursionError: {', '.join(raised[:6])}")

"""What rendering a markdown text will cost, read from its shape before Python-Markdown sees it.

Python-Markdown is quadratic on several shapes: runs of unclosed `[` (its issue #798: 8,000
characters took 22 s), `](` without a `)`, `<a ` without a `>`, thousands of lines or of
inline elements in one paragraph; deeply nested lists raise RecursionError. Pygments and
latex2mathml cost tens of times more per character than prose. So before anything renders,
one linear scan reads the text's shape and prices it in *prose characters* (one unit is
what a character of plain prose costs to render): a text whose price is over its budget
is not given to Python-Markdown at all (`rendering.render_markdown` shows it as plain text
and says why; the module loader refuses the file with the line to fix), and code highlighting
and formulas are spent from what is left of the budget, in order, then shown as plain code.

The prices are measured, not guessed: `bench/markdown_worst.py` renders a corpus of
pathological inputs beside prose of the same length and prints the worst ratio, which must
stay under 25×; the budget here is 16× to leave room for the model's error. The suite checks
the shapes structurally (tests/test_rendering_bounds.py), never with a timer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# The budget: a text may cost at most LIMIT × (its length + OVERHEAD) prose characters.
# OVERHEAD is what an empty render costs (Python-Markdown's reset, serializer and nh3), so a
# short text is compared with short prose, which costs that too.
LIMIT = 16
OVERHEAD = 400
MAX_DEPTH = 16  # lists and block quotes inside each other; Python-Markdown recurses per level

# Prices, in prose characters (bench/markdown_worst.py measured them; see bench/RESULTS.md).
BRACKET_SCAN = 1.5  # per character a `[` scans for its `]` (six inline patterns scan, in Python)
PAREN_SCAN = 1.5  # per character a `](` scans for its `)`
TAG_SCAN = 0.4  # per character a `<` scans for its `>` (html.parser, over the whole text)
MARKUP_PAIR = 0.008  # per markup character × the length of its paragraph (each match rebuilds it)
# Per line × the length of its paragraph: block processors search the paragraph for a heading,
# a rule or a list item, split it there and put the rest back, once per such line.
LINE_PAIR_SPLIT = 0.045  # headings, rules, setext underlines, lone markers
LINE_PAIR_ITEM = 0.007  # list items, quotes, table rows, HTML, indented lines
LINE_PAIR = 0.0005  # any other line
ELEMENT = 60  # per heading, rule, list item, quote or table row: an element to build and write
BLOCK = 160  # per paragraph, heading or other block
FENCE = 1200  # per fenced code block (a lexer and a formatter each)
UNCLOSED_FENCE_SCAN = 0.02  # per character an unclosed fence scans for its end
HIGHLIGHT = 25  # per character of highlighted code (Pygments, the slowest lexer we allow: 19)
# Some lexers are quadratic in the length of a line (console, YAML): code with a longer line
# is shown plain.
HIGHLIGHT_WIDTH = 300
FORMULA = 100  # per formula (latex2mathml)
FORMULA_CHAR = 30  # per character of a formula

# Languages highlighted in fenced code; any other is shown as plain code. Each is in the
# bench's corpus: some Pygments lexers cost hundreds of prose characters per character.
HIGHLIGHTED = {
    "python", "py", "python3", "py3", "pycon", "bash", "sh", "shell", "zsh", "console",
    "shell-session", "json", "yaml", "yml", "toml", "ini", "cfg", "text", "diff", "sql",
}  # fmt: skip

MARKUP = "[]()<>!`*_\\&$~|"
_BRACKET = re.compile(r"[\[\]]")
_PAREN = re.compile(r"[()]")
_TAG_OPEN = re.compile(r"<[A-Za-z/!?]")
# PM's fenced_code opener (FencedBlockPreprocessor.FENCED_BLOCK_RE, first half), on one line.
_FENCE_OPEN = re.compile(
    r"(?P<fence>~{3,}|`{3,})[ ]*"
    r"(?:\{(?P<attrs>[^\n]*)\}|(?:\.?(?P<lang>[\w#.+-]*)[ ]*)?"
    r"(?:hl_lines=(?P<quot>\"|')(?P<hl_lines>.*?)(?P=quot)[ ]*)?)$"
)
_CONTAINER = re.compile(r"(?:[ ]*(?:>|[-*+](?=[ ]|$)|\d{1,9}[.)](?=[ ]|$)))+")
_SPLIT_LINE = re.compile(r"[ ]{0,3}(?:#|[-*_=+]+[ ]*$|(?:[-*_][ ]*){3,}$)")
_ITEM_LINE = re.compile(r"[ ]*(?:[-*+](?:[ ]|$)|\d{1,9}[.)](?:[ ]|$)|[>|<])|[ ]{4}")
_LIST_MARKER = re.compile(r"[-*+](?=[ ]|$)|\d{1,9}[.)](?=[ ]|$)")


@dataclass
class Fence:
    start: int  # line index of the opening fence
    end: int  # line index of the closing fence
    lang: str  # the language Python-Markdown will read from it ('' when none)
    info: str  # everything after the fence on the opening line
    code_length: int
    widest: int  # the longest code line


@dataclass
class Shape:
    """The price of a text and where it goes. `problem` is set when it is over budget."""

    length: int
    budget: float
    cost: float = 0.0  # everything but highlighting and formulas
    fences: list[Fence] = field(default_factory=list)
    problem: tuple[int, str] | None = None  # (line, why), 1-based line

    @property
    def left(self) -> float:
        return self.budget - self.cost


def normalize(text: str) -> str:
    """The text as Python-Markdown's first preprocessor leaves it: one newline, tabs expanded."""
    return text.replace("\r\n", "\n").replace("\r", "\n").expandtabs(4)


def measure(text: str) -> Shape:
    """Price `text` in one linear pass; never raises."""
    shape = Shape(length=len(text), budget=LIMIT * (len(text) + OVERHEAD))
    normal = normalize(text)
    lines = normal.split("\n")
    shape.fences = _fences(lines)
    fenced = [False] * len(lines)
    for fence in shape.fences:
        for index in range(fence.start, fence.end + 1):
            fenced[index] = True

    # Dearest term so far, to name what to fix: (cost, line, message)
    worst: tuple[float, int, str] = (0.0, 0, "")

    def add(cost: float, line: int, message: str) -> None:
        nonlocal worst
        shape.cost += cost
        if cost > worst[0]:
            worst = (cost, line, message)

    shape.cost += len(normal)
    add(FENCE * len(shape.fences), 1, f"{len(shape.fences):,} code blocks")
    add(_unclosed_fences_cost(lines, fenced), 1, "code fences that are never closed")
    add(_tag_scan(normal) * TAG_SCAN, 1, "'<' without a closing '>'")

    block: list[str] = []
    block_start = 0
    depth_seen = 0
    for index, line in enumerate([*lines, ""]):
        is_break = index == len(lines) or fenced[index] or not line.strip()
        if not is_break:
            if not block:
                block_start = index
            block.append(line)
            depth = _depth(line)
            if depth > depth_seen:
                depth_seen = depth
                if depth > MAX_DEPTH:
                    shape.problem = (
                        index + 1,
                        f"lists or quotes nested {depth} levels deep (at most {MAX_DEPTH})",
                    )
                    return shape
            continue
        if block:
            _price_block(block, block_start, add)
            block = []
            if shape.cost > shape.budget:
                break  # over already: the rest need not be read
    if shape.cost > shape.budget:
        _, line, message = worst
        shape.problem = (line, message)
    return shape


def _price_block(block: list[str], start: int, add) -> None:
    text = "\n".join(block)
    length = len(text)
    line = start + 1
    add(BLOCK, line, "too many short paragraphs")
    splits = items = elements = 0
    for each in block:
        if _SPLIT_LINE.match(each):
            splits += 1
            elements += 1
        elif _ITEM_LINE.match(each):
            items += 1
            elements += max(1, _depth(each))  # "- - - a" is three lists, each an element
    pairs = (LINE_PAIR_SPLIT * splits + LINE_PAIR_ITEM * items + LINE_PAIR * len(block)) * length
    add(
        pairs + ELEMENT * elements,
        line,
        f"{len(block):,} lines without a blank line between them",
    )
    markup = sum(text.count(mark) for mark in MARKUP)
    add(
        MARKUP_PAIR * markup * length,
        line,
        f"a paragraph of {length:,} characters with {markup:,} markup characters",
    )
    brackets, unclosed = _bracket_scan(text)
    add(
        BRACKET_SCAN * brackets,
        line,
        f"a paragraph with {unclosed:,} '[' that are never closed"
        if unclosed
        else "a paragraph of brackets nested deep",
    )
    add(PAREN_SCAN * _paren_scan(text), line, "a paragraph with '](' that is never closed")


def _bracket_scan(text: str) -> tuple[int, int]:
    """Characters scanned by every `[` looking for its `]`, and how many never find it."""
    scanned, stack = 0, []
    for match in _BRACKET.finditer(text):
        if match.group() == "[":
            stack.append(match.start())
        elif stack:
            scanned += match.start() - stack.pop()
    scanned += sum(len(text) - position for position in stack)
    return scanned, len(stack)


def _paren_scan(text: str) -> int:
    """Characters scanned by every `](` looking for its `)`."""
    scanned, stack = 0, []
    for match in _PAREN.finditer(text):
        position = match.start()
        if match.group() == "(":
            stack.append(position)
        elif stack:
            opened = stack.pop()
            if opened and text[opened - 1] == "]":
                scanned += position - opened
    scanned += sum(
        len(text) - position for position in stack if position and text[position - 1] == "]"
    )
    return scanned


def _tag_scan(text: str) -> int:
    """Characters scanned from every `<` that may open a tag to the next `>`."""
    closes = [match.start() for match in re.finditer(">", text)]
    scanned, pointer = 0, 0
    for match in _TAG_OPEN.finditer(text):
        position = match.start()
        while pointer < len(closes) and closes[pointer] < position:
            pointer += 1
        scanned += (closes[pointer] if pointer < len(closes) else len(text)) - position
    return scanned


def _depth(line: str) -> int:
    match = _CONTAINER.match(line)
    prefix = match.group() if match else ""
    indent = len(line) - len(line.lstrip(" "))
    return prefix.count(">") + len(_LIST_MARKER.findall(prefix)) + indent // 4


def _fences(lines: list[str]) -> list[Fence]:
    """The fenced code blocks Python-Markdown will find: an opener, then the first later line
    that is the same fence and nothing but spaces. Linear: each fence string keeps a pointer."""
    closers: dict[str, list[int]] = {}
    for index, line in enumerate(lines):
        stripped = line.rstrip(" ")
        if stripped[:3] in ("```", "~~~") and stripped == stripped[0] * len(stripped):
            closers.setdefault(stripped, []).append(index)
    pointers = dict.fromkeys(closers, 0)
    fences: list[Fence] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        match = _FENCE_OPEN.match(line) if line[:3] in ("```", "~~~") else None
        if match:
            fence = match.group("fence")
            candidates = closers.get(fence, [])
            pointer = pointers.get(fence, 0)
            while pointer < len(candidates) and candidates[pointer] <= index:
                pointer += 1
            pointers[fence] = pointer
            if pointer < len(candidates):
                end = candidates[pointer]
                lang = match.group("lang") or ""
                if match.group("attrs") is not None:
                    # Only `{.lang}`: Python-Markdown reads other attributes its own way (and
                    # skips a fence whose braces don't parse), so those lose them (rendering).
                    simple = re.fullmatch(r"\s*\.([\w#+-]+)\s*", match.group("attrs"))
                    lang = simple.group(1) if simple else ""
                code = [len(lines[i]) for i in range(index + 1, end)]
                info = line[len(fence) :].strip()
                fences.append(
                    Fence(index, end, lang, info, sum(code) + len(code), max(code, default=0))
                )
                index = end + 1
                continue
        index += 1
    return fences


def _unclosed_fences_cost(lines: list[str], fenced: list[bool]) -> float:
    """An opener that never closes makes Python-Markdown's fence regex scan to the end."""
    total = sum(len(line) + 1 for line in lines)
    cost, seen = 0.0, 0
    for index, line in enumerate(lines):
        if not fenced[index] and line[:3] in ("```", "~~~"):
            cost += UNCLOSED_FENCE_SCAN * (total - seen)
        seen += len(line) + 1
    return cost

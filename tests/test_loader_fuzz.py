"""Random front matter and bytes: the loader loads them or reports problems, never crashes."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from curriculum.frontmatter import KEYS
from curriculum.loader import load_curriculum
from curriculum.problems import CurriculumError

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.dates(),
)
values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.one_of(st.sampled_from(["title", "url", "kind"]), st.text(max_size=8)),
            children,
            max_size=4,
        ),
    ),
    max_leaves=10,
)
front_matter = st.dictionaries(
    st.one_of(st.sampled_from(KEYS), st.text(max_size=12)), values, max_size=len(KEYS) + 2
)
markdownish = st.text(
    alphabet=st.sampled_from(list("abc $#-*[]()`\n\t{}|<>!@:_\\x\r\u00e9\u200b\ufeff")),
    max_size=300,
)


def _load_one(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "module.md").write_bytes(content)
        try:
            load_curriculum([Path(folder)])
        except CurriculumError as error:
            assert error.problems, "a CurriculumError must carry at least one problem"
            for problem in error.problems:
                assert problem.line >= 0
                assert problem.message


@FUZZ
@given(data=front_matter, body=markdownish)
def test_random_front_matter_loads_or_reports(data, body):
    try:
        dumped = yaml.safe_dump(data, allow_unicode=True)
    except yaml.YAMLError:
        return
    _load_one(f"---\n{dumped}---\n{body}".encode())


@FUZZ
@given(text=st.text(max_size=400), body=markdownish)
def test_random_text_between_fences_loads_or_reports(text, body):
    _load_one(f"---\n{text}\n---\n{body}".encode("utf-8", "surrogatepass"))


@FUZZ
@given(content=st.binary(max_size=600))
def test_random_bytes_load_or_report(content):
    _load_one(content)


@FUZZ
@given(body=markdownish)
def test_random_markdown_bodies_load(body):
    _load_one(body.encode("utf-8", "surrogatepass"))

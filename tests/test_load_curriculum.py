"""`manage.py load_curriculum`: every error class, all or nothing, incremental and idempotent."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

import pytest

from curriculum.models import Checkpoint, Module, ModuleList, ModuleListItem
from tests.conftest import REPO
from tests.curriculum_helpers import load, module_file, snapshot, write

pytestmark = pytest.mark.django_db


@pytest.fixture
def folder(tmp_path):
    """A valid curriculum, already loaded, so failures have something to leave untouched."""
    root = tmp_path / "modules"
    write(root, "basics.md", module_file("basics"))
    write(root, "advanced.md", module_file("advanced", prerequisites=["basics"]))
    assert load(root).status == 0
    return root


# Each case: file name, file content, the line the error must name, words the message must have.
ERROR_CASES = {
    "malformed_yaml": (
        "bad.md",
        "---\ntitle: ok\nhours: [1, 2\n---\nbody\n",
        3,
        "front matter is not valid YAML",
    ),
    "front_matter_not_closed": (
        "bad.md",
        "---\ntitle: never closed\n\n# Body\n",
        1,
        "front matter opened with '---' is never closed",
    ),
    "front_matter_not_a_mapping": (
        "bad.md",
        "---\n- just\n- a list\n---\nbody\n",
        2,
        "front matter must be a mapping of keys to values",
    ),
    "unknown_key_with_suggestion": (
        "bad.md",
        "---\ntitle: ok\ntitel: typo\n---\nbody\n",
        3,
        "unknown key 'titel' (did you mean 'title'?)",
    ),
    "hours_not_positive": (
        "bad.md",
        "---\ntitle: ok\nhours: -3\n---\nbody\n",
        3,
        "hours must be a positive number",
    ),
    "hours_not_a_number": (
        "bad.md",
        "---\ntitle: ok\nhours: lots\n---\nbody\n",
        3,
        "hours must be a positive number, not the text 'lots'",
    ),
    "topics_not_a_list": (
        "bad.md",
        "---\ntitle: ok\ntopics: nlp\n---\nbody\n",
        3,
        "topics must be a list",
    ),
    "slug_with_space": (
        "bad.md",
        "---\nslug: two words\n---\nbody\n",
        2,
        "slug 'two words' is not URL-safe",
    ),
    "slug_with_dots": (
        "bad.md",
        "---\nslug: ../etc\n---\nbody\n",
        2,
        "slug '../etc' is not URL-safe",
    ),
    "slug_with_slash": (
        "bad.md",
        "---\nslug: a/b\n---\nbody\n",
        2,
        "slug 'a/b' is not URL-safe",
    ),
    "unknown_prerequisite": (
        "bad.md",
        "---\nslug: bad\nprerequisites:\n  - basics\n  - basicz\n---\nbody\n",
        5,
        "prerequisite 'basicz' is not a known module (did you mean 'basics'?)",
    ),
    "non_utf8": (
        "bad.md",
        b"---\ntitle: ok\n---\nline three\ncaf\xe9\n",
        5,
        "not valid UTF-8 (byte 0xe9 at column 4)",
    ),
    "nul_byte": (
        "bad.md",
        b"# Title\n\nsome\x00thing\n",
        3,
        "file contains a NUL byte",
    ),
    "empty_file": ("bad.md", "", 1, "file is empty"),
    "whitespace_only_file": ("bad.md", "  \n\n\t\n", 1, "file is empty"),
    "file_over_1_mb": (
        "bad.md",
        "# Big\n\n" + "x" * 1_000_001,
        1,
        "a module file may be at most 1 MB",
    ),
    "resource_with_javascript_url": (
        "bad.md",
        "---\ntitle: ok\nresources:\n  - title: x\n    url: javascript:alert(1)\n---\nbody\n",
        4,
        "resource url 'javascript:alert(1)' must start with http:, https: or mailto:",
    ),
    "resource_with_ftp_url": (
        "bad.md",
        "---\ntitle: ok\nresources:\n  - {title: x, url: 'ftp://example.com/x'}\n---\nbody\n",
        4,
        "must start with http:, https: or mailto:",
    ),
    "yaml_python_tag": (
        "bad.md",
        "---\ntitle: !!python/object/apply:os.system ['touch /tmp/pwned']\n---\nbody\n",
        2,
        "YAML tag tag:yaml.org,2002:python/object/apply:os.system is not allowed",
    ),
    "yaml_custom_tag": (
        "bad.md",
        "---\ntitle: !include other.yml\n---\nbody\n",
        2,
        "YAML tag !include is not allowed",
    ),
    "duplicate_key": (
        "bad.md",
        "---\ntitle: one\nhours: 2\ntitle: two\n---\nbody\n",
        4,
        "key 'title' appears twice (first on line 2)",
    ),
    "duplicate_checkpoint_key": (
        "bad.md",
        "---\ntitle: ok\n---\n- [ ] one {#k}\n- [ ] two {#k}\n",
        5,
        "checkpoint key 'k' is used twice (first on line 4)",
    ),
}


@pytest.mark.parametrize("case", ERROR_CASES.values(), ids=ERROR_CASES.keys())
def test_it_reports_each_error_class_with_path_and_line_and_changes_nothing(folder, case):
    name, content, line, words = case
    path = write(folder, name, content)
    before = snapshot()

    run = load(folder)

    assert run.status == 1
    expected_prefix = f"{path}:{line}: "
    matching = [error for error in run.errors if error.startswith(expected_prefix)]
    assert matching, f"no error at {expected_prefix!r} in:\n{run.stderr}"
    assert words in matching[0]
    assert "Traceback" not in run.stderr
    assert "nothing was written" in run.stderr
    assert snapshot() == before


def test_a_prerequisite_cycle_is_printed_as_a_path(folder):
    write(folder, "a.md", module_file("cycle-a", prerequisites=["cycle-b"]))
    path_b = write(folder, "b.md", module_file("cycle-b", prerequisites=["cycle-a"]))
    before = snapshot()

    run = load(folder)

    assert run.status == 1
    assert any(
        error.startswith(
            str(folder / "a.md") + ":5: prerequisite cycle: cycle-a → cycle-b → cycle-a"
        )
        for error in run.errors
    ), run.stderr
    assert str(path_b) not in run.stderr  # one cycle, reported once
    assert snapshot() == before


def test_a_module_that_requires_itself_is_a_cycle(folder):
    write(folder, "self.md", module_file("selfish", prerequisites=["selfish"]))
    run = load(folder)
    assert run.status == 1
    assert "prerequisite cycle: selfish → selfish" in run.stderr


def test_a_slug_used_by_two_files_names_both(folder):
    first = write(folder, "one.md", module_file("same"))
    second = write(folder, "two.md", module_file("same"))
    before = snapshot()

    run = load(folder)

    assert run.status == 1
    assert f"{second}:2: slug 'same' is also used by {first}:2" in run.stderr
    assert snapshot() == before


def test_it_reports_every_problem_of_the_run_not_just_the_first(folder):
    write(folder, "x.md", "---\ntitel: a\n---\n")
    write(folder, "y.md", "---\nhours: 0\n---\n")
    write(folder, "z.md", b"\xff\xfe")

    run = load(folder)

    assert run.status == 1
    assert len([error for error in run.errors if not error.startswith("CommandError")]) == 3
    assert "3 problems found; nothing was written." in run.stderr


def test_a_missing_path_is_an_error(tmp_path):
    run = load(tmp_path / "nowhere")
    assert run.status == 1
    assert "no such file or folder" in run.stderr


def test_it_accepts_bom_crlf_no_final_newline_and_non_ascii(tmp_path):
    text = "---\r\nslug: unicode\r\ntitle: Théorie de l’information — 情報理論\r\n---\r\n# ignored\r\n\r\n- [ ] Écrire $H(p)$"
    write(tmp_path, "u.md", "\ufeff".encode() + text.encode("utf-8"))

    run = load(tmp_path)

    assert run.status == 0, run.stderr
    module = Module.objects.get(slug="unicode")
    assert module.title == "Théorie de l’information — 情報理論"
    checkpoint = module.checkpoints.get()
    assert checkpoint.text == "Écrire $H(p)$"
    assert "<math" in checkpoint.html
    assert "\r" not in module.body_html


def test_a_first_load_creates_and_a_second_changes_nothing(tmp_path):
    write(tmp_path, "a.md", module_file("alpha"))
    write(tmp_path, "b.md", module_file("beta", prerequisites=["alpha"]))

    assert load(tmp_path).stdout.strip() == "2 created, 0 updated, 0 unchanged, 0 retired"
    before = snapshot()
    assert load(tmp_path).stdout.strip() == "0 created, 0 updated, 2 unchanged, 0 retired"
    assert snapshot() == before


def test_an_edited_file_is_updated_and_its_checkpoint_ticks_keep_their_keys(tmp_path):
    body = "# Alpha\n\n- [ ] Train the model\n- [ ] Plot the loss {#loss}\n"
    path = write(tmp_path, "a.md", module_file("alpha", body=body))
    load(tmp_path)
    train = Checkpoint.objects.get(key="train-the-model")
    loss = Checkpoint.objects.get(key="loss")

    edited = "# Alpha\n\nA new intro line.\n\n- [ ] Read the paper first\n- [ ] Train the model\n- [ ] Plot the loss curves {#loss}\n"
    path.write_text(module_file("alpha", body=edited), encoding="utf-8")
    run = load(tmp_path)

    assert run.stdout.strip() == "0 created, 1 updated, 0 unchanged, 0 retired"
    train.refresh_from_db()
    loss.refresh_from_db()
    assert (train.position, train.retired) == (1, False)
    assert (loss.text, loss.position) == ("Plot the loss curves", 2)
    assert Checkpoint.objects.get(key="read-the-paper-first").position == 0


def test_a_removed_checkpoint_is_retired_not_deleted(tmp_path):
    path = write(tmp_path, "a.md", module_file("alpha", body="- [ ] one\n- [ ] two\n"))
    load(tmp_path)
    two = Checkpoint.objects.get(key="two")

    path.write_text(module_file("alpha", body="- [ ] one\n"), encoding="utf-8")
    load(tmp_path)

    two.refresh_from_db()
    assert two.retired
    assert list(
        Module.objects.get(slug="alpha").checkpoints.active().values_list("key", flat=True)
    ) == ["one"]


def test_a_module_whose_file_disappeared_is_retired_and_revived_when_it_returns(tmp_path):
    write(tmp_path, "a.md", module_file("alpha"))
    gone = write(tmp_path, "b.md", module_file("beta"))
    load(tmp_path)
    content = gone.read_text()
    gone.unlink()

    assert load(tmp_path).stdout.strip() == "0 created, 0 updated, 1 unchanged, 1 retired"
    beta = Module.objects.get(slug="beta")
    assert beta.is_retired
    assert Checkpoint.objects.filter(module=beta).exists()

    gone.write_text(content)
    assert load(tmp_path).stdout.strip() == "0 created, 1 updated, 1 unchanged, 0 retired"
    beta.refresh_from_db()
    assert not beta.is_retired


def test_a_reload_never_changes_module_lists(tmp_path):
    write(tmp_path, "a.md", module_file("alpha"))
    gone = write(tmp_path, "b.md", module_file("beta"))
    load(tmp_path)
    track = ModuleList.objects.create(slug="t", title="T", published=True)
    ModuleListItem.objects.create(
        module_list=track, module=Module.objects.get(slug="beta"), position=0
    )
    lists_before = list(ModuleListItem.objects.values())
    gone.unlink()

    load(tmp_path)

    assert list(ModuleListItem.objects.values()) == lists_before


def test_modules_loaded_from_another_folder_are_left_alone(tmp_path):
    write(tmp_path / "one", "a.md", module_file("alpha"))
    write(tmp_path / "two", "b.md", module_file("beta", prerequisites=["alpha"]))
    load(tmp_path / "one")

    run = load(tmp_path / "two")

    assert run.stdout.strip() == "1 created, 0 updated, 0 unchanged, 0 retired"
    assert not Module.objects.get(slug="alpha").is_retired


def test_a_slug_taken_by_another_folder_is_an_error(tmp_path):
    write(tmp_path / "one", "a.md", module_file("alpha"))
    write(tmp_path / "two", "a.md", module_file("alpha"))
    load(tmp_path / "one")

    run = load(tmp_path / "two")

    assert run.status == 1
    assert "slug 'alpha' already belongs to a module loaded from" in run.stderr


def test_check_validates_and_writes_nothing(tmp_path):
    write(tmp_path, "a.md", module_file("alpha"))
    before = snapshot()

    run = load(tmp_path, check=True)

    assert run.status == 0
    assert "OK, nothing written. A load would give: 1 created" in run.stdout
    assert snapshot() == before


def test_check_reports_errors_with_status_1(tmp_path):
    write(tmp_path, "a.md", "---\nkind: biuld\n---\n")
    run = load(tmp_path, check=True)
    assert run.status == 1
    assert (
        f"{tmp_path / 'a.md'}:2: kind must be one of build | theory | paper | practice, not 'biuld' (did you mean 'build'?)"
        in run.stderr
    )


def test_the_default_path_is_the_projects_content_folder(settings, tmp_path):
    settings.CURRICULUM_DIR = tmp_path
    write(tmp_path, "a.md", module_file("alpha"))
    assert load().stdout.strip() == "1 created, 0 updated, 0 unchanged, 0 retired"


def test_the_command_line_exits_1_with_no_traceback_and_an_unchanged_database(tmp_path):
    """The real `manage.py`, in a process of its own, on a database file of its own."""
    database = tmp_path / "cli.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "DEBUG": "true"}
    manage = [sys.executable, str(REPO / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=tmp_path)
    good = tmp_path / "good"
    write(good, "a.md", module_file("alpha"))
    ok = subprocess.run(
        [*manage, "load_curriculum", str(good)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0, ok.stderr
    write(good, "b.md", "---\ntitle: [unclosed\n---\n")
    rows_before = (
        sqlite3.connect(database)
        .execute("select slug, content_hash from curriculum_module")
        .fetchall()
    )

    bad = subprocess.run(
        [*manage, "load_curriculum", str(good)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )

    assert bad.returncode == 1
    assert "good/b.md:2: front matter is not valid YAML" in bad.stderr  # relative to the cwd
    assert "Traceback" not in bad.stderr
    rows_after = (
        sqlite3.connect(database)
        .execute("select slug, content_hash from curriculum_module")
        .fetchall()
    )
    assert rows_after == rows_before


def test_a_symbolic_link_in_the_folder_is_refused_not_followed(tmp_path):
    """A link could publish any file the server can read, e.g. a settings file with secrets."""
    secret = tmp_path / "env"
    secret.write_text("SECRET_KEY=topsecret-value\n")
    folder = tmp_path / "modules"
    write(folder, "ok.md", module_file("fine"))
    (folder / "leak.md").symlink_to(secret)
    before = snapshot()

    run = load(folder)

    assert run.status == 1
    assert f"{folder / 'leak.md'}:1: is a symbolic link or not a regular file" in run.stderr
    assert snapshot() == before
    assert not Module.objects.filter(body_html__contains="topsecret").exists()


def test_roadmap_links_must_be_web_links_too(tmp_path):
    write(
        tmp_path,
        "topic@Ab12.md",
        "# Topic\n\nText.\n\n- [@article@Click me](javascript:alert(document.domain))\n",
    )
    run = load(tmp_path)
    assert run.status == 1
    assert (
        "topic@Ab12.md:5: link 'javascript:alert(document.domain' must start with http:, https: or mailto:"
        in run.stderr
    )


def test_an_explicit_checkpoint_key_longer_than_80_characters_is_an_error(tmp_path):
    write(tmp_path, "m.md", "- [ ] Long {#" + "a" * 90 + "}\n")
    run = load(tmp_path)
    assert run.status == 1
    assert (
        "m.md:1: checkpoint key 'aaaaaaaaaaaaaaaaaaaa…' is longer than 80 characters" in run.stderr
    )

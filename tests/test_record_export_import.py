"""Export everything a learner owns, import it into an empty account, and lose nothing; refuse
every file that can't be imported with a clear message, changing nothing."""

from __future__ import annotations

import copy
import json
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from curriculum.models import Checkpoint
from learners.experiments.models import ModuleMetric, Run, RunMetric
from learners.experiments.tokens import create_token
from learners.mentors import threads
from learners.mentors.models import MentorPlan, Mentorship
from learners.models import (
    CheckpointTick,
    ConfidenceRating,
    ModuleProgress,
    Note,
    Plan,
    PlanPause,
    PlanRevision,
    StatusChange,
    StudySession,
    Timer,
    User,
)
from learners.papers import ledger
from learners.papers.models import Entry
from learners.record import export, importer
from learners.record.models import Failure
from learners.review import schedule
from learners.review.models import Card, PausedModule
from learners.weekly.models import WeeklyEmail
from tests.conftest import REPO
from tests.factories import make_learner, make_list, make_modules, make_paper, make_plan

pytestmark = pytest.mark.django_db

# What legitimately differs between an export and the export of its import.
IGNORED_ACCOUNT = {"email", "date_joined"}


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 2, day, hour, 0, 0, 123456, tzinfo=UTC)


@pytest.fixture
def modules():
    return make_modules(3)


@pytest.fixture
def rich(alice, bob, modules):
    """Alice with rows of every kind an export carries (and the kinds it leaves out)."""
    m0, m1, m2 = modules
    alice.display_name, alice.time_zone = "Alice L.", "Europe/Paris"
    alice.weekly_hours_target, alice.weekly_email_hour = Decimal("7.5"), 19
    alice.save()
    old = make_plan(
        alice, [m0], goal="First try", start_date=date(2025, 9, 1), target_end=date(2025, 12, 1)
    )
    Plan.objects.filter(pk=old.pk).update(status="abandoned", ended_at=at(1))
    plan = make_plan(alice, modules, module_list=make_list(modules), goal="A chatbot")
    Plan.objects.filter(pk=plan.pk).update(created_at=at(2))
    ModuleProgress.objects.filter(learner=alice, module=m0).update(
        status="done", started_at=at(3), finished_at=at(9), confidence=4
    )
    StatusChange.objects.create(
        learner=alice, module=m0, old_status="not_started", new_status="in_progress", at=at(3)
    )
    StatusChange.objects.create(
        learner=alice, module=m0, old_status="in_progress", new_status="done", at=at(9)
    )
    ConfidenceRating.objects.create(learner=alice, module=m0, value=2, at=at(3))
    ConfidenceRating.objects.create(learner=alice, module=m0, value=4, at=at(9))
    for checkpoint in m0.checkpoints.all():
        CheckpointTick.objects.create(learner=alice, checkpoint=checkpoint, ticked_at=at(5))
    Note.objects.create(
        learner=alice,
        module=m0,
        body="# Idea\n\n**Detach** it\n\n```py\n# keep\n```",
        created_at=at(4),
    )
    StudySession.objects.create(
        learner=alice,
        module=m0,
        date=date(2026, 2, 4),
        minutes=90,
        description="Read",
        created_at=at(4),
    )
    StudySession.objects.create(learner=alice, date=date(2026, 2, 5), minutes=20, created_at=at(5))
    mask = Failure.objects.create(
        learner=alice,
        module=m1,
        plan=plan,
        title="Mask off by one",
        what_happened="Loss *stuck*",
        category="bug",
        minutes_lost=180,
        lesson="Test the mask",
        lesson_at=at(7),
        resolved=True,
        resolved_at=at(8),
        happened_on=date(2026, 2, 6),
        created_at=at(6),
    )
    Failure.objects.create(
        learner=alice,
        module=m2,
        title="Plateau",
        category="training",
        happened_on=date(2026, 2, 7),
        created_at=at(7),
    )
    create_token(alice, "laptop")
    run = Run.objects.create(
        learner=alice,
        module=m1,
        name="lr-sweep-3",
        started_at=at(6),
        git_sha="a" * 40,
        git_branch="main",
        git_dirty=True,
        git_diff="+x",
        command="python train.py",
        config={"lr": 3e-4, "layers": [4, 4], "note": "ünïcode"},
        seed=2**40,
        outcome="failed",
        notes="Loss *exploded*",
        failure=mask,
        idempotency_key="abc-1",
    )
    RunMetric.objects.create(run=run, name="val_loss", value=2.25, series=[[0, 4.1], [100, 2.25]])
    RunMetric.objects.create(run=run, name="val_ppl", value=9.49)
    ModuleMetric.objects.create(learner=alice, module=m1, name="val_loss", lower_is_better=True)
    WeeklyEmail.objects.create(
        learner=alice, week_start=date(2026, 2, 2), status="sent", subject="Week 1", reminder=mask
    )
    Timer.objects.create(learner=alice, module=m0)
    # Review: the ticks and the lesson made their cards; a question, a review, a paused module.
    question = Card.objects.create(
        learner=alice, kind="question", module=m2, question="Why $\\sqrt{d}$?", answer="Scale"
    )
    schedule.rate(question, 3, at(9))
    PausedModule.objects.create(learner=alice, module=m2, paused_at=at(9))
    # Re-entry: a week's pause, and a re-plan kept beside what it replaced.
    PlanPause.objects.create(
        plan=plan, starts_on=date(2026, 2, 9), resumes_on=date(2026, 2, 16), created_at=at(5)
    )
    PlanRevision.objects.create(
        plan=plan,
        at=at(8),
        change="end",
        reason="18 days away",
        old_target_end=plan.target_end,
        new_target_end=plan.target_end + timedelta(weeks=2),
        dropped=[{"slug": "m-0009", "title": "A dropped module"}],
    )
    # Bob mentors Alice, seeing this plan (not exported: docs/export-format.md).
    mentorship = Mentorship.objects.create(
        learner=alice, mentor=bob, email=bob.email, status="active", accepted_at=at(9)
    )
    MentorPlan.objects.create(mentorship=mentorship, plan=plan)
    # Bob's comment on a failure, and alice's review request with his answer.
    threads.comment(mentorship, bob, mask, "Check the *mask* shape")
    review = threads.ask(mentorship, threads.Subject("failure", failure=mask), "Why off by one?")
    threads.reply(review, bob, "Causal masks include the diagonal.", answered=True)
    # Paper reading: a ledger with a checked entry (its card), its history, a pass and its time.
    paper = make_paper(3, slug="paper-x")
    ledger.for_module(alice, paper)
    entry = Entry.objects.filter(learner=alice, module=paper).order_by("item_key").first()
    ledger.set_words(entry, "It *scales* the scores")
    ledger.move(entry, now=at(6))
    ledger.move(entry, how="code", run=run)
    ledger.add(alice, paper, kind="symbol", section="§3.2", words="$d_k$ is the key size")
    ledger.set_pass(alice, paper, "skim", "done")
    StudySession.objects.create(
        learner=alice, module=paper, date=date(2026, 2, 5), minutes=30, reading_pass="skim"
    )
    # Bob's rows must never reach Alice's file.
    Note.objects.create(learner=bob, module=m0, body="bob's secret note")
    return alice


def comparable(document: dict) -> dict:
    document = copy.deepcopy(document)
    document.pop("exported_at")
    for name in IGNORED_ACCOUNT:
        document["account"].pop(name)
    for kind in export.EXPORT_ONLY:
        document["data"].pop(kind)
    return document


def through_json(document: dict) -> dict:
    return json.loads(json.dumps(document))


def upload(content: bytes | str, name: str = "export.json") -> SimpleUploadedFile:
    if isinstance(content, str):
        content = content.encode()
    return SimpleUploadedFile(name, content, content_type="application/json")


# --- the round trip ----------------------------------------------------------------------------


def test_the_round_trip_loses_nothing(rich):
    first = through_json(export.export_document(rich))
    carol = make_learner("carol@example.com")
    result = importer.import_document(carol, first)
    second = through_json(export.export_document(carol))
    # A relationship comes back as history: ended, since the mentor's consent stays behind.
    [before], [after] = first["data"]["mentors.mentorship"], second["data"]["mentors.mentorship"]
    assert (before["status"], before["ended_at"]) == ("active", None)
    assert after["status"] == "ended" and after["ended_at"] is not None
    for row in (before, after):
        row["status"] = row["ended_at"] = None
    assert comparable(second) == comparable(first)
    assert result.total == sum(
        len(first["data"][export.label(m)]) for m in export.imported_models()
    )


def test_the_fixture_has_rows_of_every_kind_so_the_round_trip_means_something(rich):
    document = export.export_document(rich)
    empty = [kind for kind, rows in document["data"].items() if not rows]
    assert empty == [], f"add rows of {empty} to the `rich` fixture, so their round trip is tested"


def test_the_imported_account_works_like_the_original(rich, client):
    carol = make_learner("carol@example.com")
    importer.import_document(carol, through_json(export.export_document(rich)))
    carol.refresh_from_db()
    assert (carol.display_name, carol.time_zone, carol.weekly_email_hour) == (
        "Alice L.",
        "Europe/Paris",
        19,
    )
    assert carol.weekly_hours_target == Decimal("7.5")
    note = Note.objects.get(learner=carol)
    assert "<strong>Detach</strong>" in note.body_html  # rendered again on import
    run = Run.objects.get(learner=carol)
    assert run.failure.learner == carol and run.failure.title == "Mask off by one"
    assert "<em>exploded</em>" in run.notes_html
    assert Plan.objects.get(learner=carol, status="active").items.count() == 3
    assert Failure.objects.get(learner=carol, title="Mask off by one").plan.goal == "A chatbot"
    client.force_login(carol)
    assert "Mask off by one" in client.get("/failures/").text
    assert "Test the mask" in client.get("/failures/lessons/").text


def test_what_is_not_imported_stays_behind_and_is_said(rich):
    carol = make_learner("carol@example.com")
    result = importer.import_document(carol, through_json(export.export_document(rich)))
    assert not Timer.objects.filter(learner=carol).exists()
    assert not carol.api_tokens.exists()
    assert not WeeklyEmail.objects.filter(learner=carol).exists()
    assert any(note.endswith("site that made the file: 1 api token.") for note in result.notes)


def test_the_export_leaves_out_secrets_derived_html_the_timer_and_other_learners(rich):
    text = json.dumps(export.export_document(rich))
    document = json.loads(text)
    assert "learners.timer" not in document["data"]
    assert "weekly.weeklyschedule" not in document["data"]
    assert set(document["data"]["experiments.apitoken"][0]) == {
        "id", "name", "prefix", "created_at", "last_used_at", "revoked_at",
    }  # fmt: skip
    for field in ("token_hash", "password", "body_html", "lesson_html", "notes_html", "is_staff"):
        assert f'"{field}"' not in text, field
    # Bob, her mentor, is in it as the address she invited and the name on his comments;
    # nothing else of his (his own record, his account's id).
    assert "bob's secret note" not in text
    assert text.replace("bob@example.com", "").replace('"author_name": "Bob"', "").count("bob") == 0
    [mentorship] = document["data"]["mentors.mentorship"]
    assert "nonce" not in mentorship and "mentor" not in mentorship
    assert document["account"]["email"] == "alice@example.com"


def test_references_are_natural_keys_and_export_local_ids(rich, modules):
    data = export.export_document(rich)["data"]
    assert data["learners.plan"][1]["module_list"] == "track"
    assert [item["plan"] for item in data["learners.planitem"]] == [1, 2, 2, 2]
    assert data["learners.checkpointtick"][0]["checkpoint"] == [modules[0].slug, "c0"]
    assert data["experiments.run"][0]["failure"] == 1
    assert data["weekly.weeklyemail"][0]["reminder"] == 1
    assert data["learners.studysession"][1]["module"] is None
    assert data["record.failure"][0]["resolved_at"] == "2026-02-08T12:00:00.123456Z"


def test_every_owned_model_can_be_carried():
    export.check_supported()  # raises on a field the format can't carry


def test_the_format_document_names_every_exported_field():
    doc = (REPO / "docs" / "export-format.md").read_text(encoding="utf-8")
    sections = dict(re.findall(r"^### `([\w.]+)`.*?\n(.*?)(?=^###? |\Z)", doc, re.M | re.S))
    for model in export.exported_models():
        kind = export.label(model)
        assert kind in sections, f"docs/export-format.md: document the kind {kind}"
        missing = [s.name for s in export.field_specs(model) if f"`{s.name}`" not in sections[kind]]
        assert missing == [], f"docs/export-format.md: document {kind} fields {missing}"
    assert f"# The export format (version {export.VERSION})" in doc


# --- refusals ------------------------------------------------------------------------------------


@pytest.fixture
def exported(rich):
    return through_json(export.export_document(rich))


@pytest.fixture
def carol():
    return make_learner("carol@example.com", display_name="Carol")


def snapshot(learner) -> tuple:
    learner = User.objects.get(pk=learner.pk)
    rows = tuple(export.rows_of(learner, model).count() for model in export.exported_models())
    return rows, learner.display_name, learner.time_zone, learner.weekly_email_hour


def refuse(learner, document_or_bytes) -> str:
    before = snapshot(learner)
    with pytest.raises(importer.ImportRefused) as refusal:
        _parse_and_import(learner, document_or_bytes)
    assert snapshot(learner) == before  # nothing changed
    return str(refusal.value)


def _parse_and_import(learner, document_or_bytes) -> None:
    if isinstance(document_or_bytes, bytes):
        document_or_bytes = importer.parse(document_or_bytes)
    importer.import_document(learner, document_or_bytes)


def edited(document: dict, change) -> dict:
    document = copy.deepcopy(document)
    change(document)
    return document


def test_a_version_3_export_still_imports_without_mentors(exported, carol):
    """A file from before mentors: no mentorships, comments or requests."""
    old = copy.deepcopy(exported)
    old["version"] = 3
    for kind in [k for k in old["data"] if k.startswith("mentors.")]:
        old["data"].pop(kind)
    result = importer.import_document(carol, old)
    assert result.total > 0 and not Mentorship.objects.filter(learner=carol).exists()
    assert Failure.objects.filter(learner=carol, title="Mask off by one").exists()


def test_a_file_written_by_the_version_3_site_imports(carol, modules):
    """tests/data/export-v3.json was exported by the site as it was before mentors (06a0da2^,
    from this file's `rich` learner), not edited down from a newer file: what an old site
    really wrote still reads here, and exports again as the current version."""
    make_list(modules)
    make_paper(3, slug="paper-x")
    document = importer.parse((REPO / "tests" / "data" / "export-v3.json").read_bytes())
    assert document["version"] == 3
    result = importer.import_document(carol, document)
    assert result.total > 0
    again = export.export_document(carol)
    assert again["version"] == export.VERSION
    for kind, rows in document["data"].items():
        if kind not in export.EXPORT_ONLY:
            assert len(again["data"][kind]) == len(rows), kind
    assert not any(again["data"][kind] for kind in again["data"] if kind.startswith("mentors."))
    assert Failure.objects.filter(learner=carol, title="Mask off by one").exists()
    assert Entry.objects.filter(learner=carol, words="It *scales* the scores").exists()


def test_imported_mentorships_are_history_not_access(exported, carol, bob, client):
    importer.import_document(carol, exported)
    mentorship = Mentorship.objects.get(learner=carol)
    assert (mentorship.status, mentorship.mentor, mentorship.email) == ("ended", None, bob.email)
    assert mentorship.ended_at is not None and mentorship.nonce == ""
    comments = list(mentorship.comments.order_by("id"))
    assert [c.author_id for c in comments if c.by_mentor] == [None, None]
    assert all(c.author_name for c in comments)
    review = mentorship.requests.get()
    assert review.status == "answered" and review.thread.get().body.startswith("Causal")
    # Bob, who mentored alice on the site that made the file, sees nothing of carol's.
    client.force_login(bob)
    assert client.get(f"/mentoring/{mentorship.pk}/").status_code == 404
    client.force_login(carol)
    assert "Causal masks include the diagonal" in client.get(f"/mentors/requests/{review.pk}/").text


def test_a_version_2_export_still_imports_without_a_ledger(exported, carol):
    """A file from before paper reading: no ledger kinds, no pass on the sessions."""
    old = copy.deepcopy(exported)
    old["version"] = 2
    for kind in ("papers.entry", "papers.entrychange", "papers.readingpass"):
        old["data"].pop(kind)
    old["data"]["review.card"] = [c for c in old["data"]["review.card"] if c["kind"] != "ledger"]
    for card in old["data"]["review.card"]:
        card.pop("ledger_entry")
    for session in old["data"]["learners.studysession"]:
        session.pop("reading_pass")
    importer.import_document(carol, through_json(old))
    assert not Entry.objects.filter(learner=carol).exists()
    sessions = StudySession.objects.filter(learner=carol)
    assert sessions.count() == len(old["data"]["learners.studysession"])
    assert set(sessions.values_list("reading_pass", flat=True)) == {""}


def test_the_ledger_travels_with_its_history_and_its_run(exported, carol):
    importer.import_document(carol, exported)
    entry = Entry.objects.get(learner=carol, state="checked")
    assert (entry.how, entry.run.learner_id, entry.run.name) == ("code", carol.pk, "lr-sweep-3")
    assert "<em>scales</em>" in entry.words_html
    assert entry.changes.count() == 2
    assert Card.objects.filter(learner=carol, kind="ledger", ledger_entry=entry).count() == 1


def test_a_newer_version_is_refused(exported, carol):
    newer = export.VERSION + 1
    message = refuse(carol, edited(exported, lambda d: d.update(version=newer)))
    assert f"format version {newer}, made by a newer Trajectory" in message
    assert f"reads version {export.VERSION} and older" in message


def test_a_version_1_export_still_imports_and_its_record_makes_its_cards(exported, carol):
    """A file from before reviews: no review kinds, no daily cap. The ticks and the lesson
    bring their cards back (fresh, without a history), the cap is the default."""
    old = copy.deepcopy(exported)
    old["version"] = 1
    old["account"].pop("daily_reviews")
    for kind in ("review.card", "review.review", "review.pausedmodule"):
        old["data"].pop(kind)
    importer.import_document(carol, through_json(old))
    cards = Card.objects.filter(learner=carol)
    ticked = CheckpointTick.objects.filter(learner=carol).count()
    assert cards.filter(kind="checkpoint").count() == ticked > 0
    assert cards.filter(kind="lesson").count() == 1  # the failure with a lesson
    assert not cards.filter(kind="question").exists()
    assert User.objects.get(pk=carol.pk).daily_reviews == 20


@pytest.mark.parametrize("version", [0, -1, "1", 1.0, True, None])
def test_a_version_that_is_not_a_positive_integer_is_refused(exported, carol, version):
    message = refuse(
        carol, json.dumps(edited(exported, lambda d: d.update(version=version))).encode()
    )
    assert "no valid format version" in message


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b'{"format": "trajectory-export", "version": 1, "data": {', "isn't valid JSON"),
        (b"\xff\xfe\x00garbage", "isn't text"),
        (b"[1, 2, 3]", "isn't a Trajectory export"),
        (b'{"format": "something-else", "version": 1}', "isn't a Trajectory export"),
        (b'{"format": "trajectory-export", "version": 1, "account": {}}', "missing its"),
        (b"[" * 100_000 + b"]" * 100_000, "isn't valid JSON"),
        (
            b'{"format": "trajectory-export", "version": 1, "account": {}, "data": {"learners.note": {}}}',
            "isn't a list of rows",
        ),
    ],
)
def test_a_malformed_file_is_refused(carol, content, says):
    assert says in refuse(carol, content)


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(carol, monkeypatch):
    monkeypatch.setattr(importer, "MAX_IMPORT_BYTES", 1_048_576)
    big = upload(b" " * 1_048_577)
    with pytest.raises(importer.ImportRefused, match="the limit is 1 MB"):
        importer.read_upload(big)


def test_a_file_naming_modules_this_site_lacks_is_refused_with_their_names(exported, carol):
    def rename(d):
        d["data"]["learners.note"][0]["module"] = "quantum-llms"
        d["data"]["learners.planitem"][0]["module"] = "time-travel"

    message = refuse(carol, edited(exported, rename))
    assert "modules this site doesn't have: quantum-llms, time-travel" in message


def test_a_file_ticking_checkpoints_this_site_lacks_is_refused(exported, carol, modules):
    def rename(d):
        d["data"]["learners.checkpointtick"][0]["checkpoint"] = [modules[0].slug, "gone"]

    assert f"{modules[0].slug} › gone" in refuse(carol, edited(exported, rename))


def test_a_missing_module_list_keeps_the_plan_without_it(exported, carol):
    document = edited(
        exported, lambda d: d["data"]["learners.plan"][1].update(module_list="lost-track")
    )
    result = importer.import_document(carol, document)
    assert Plan.objects.get(learner=carol, status="active").module_list is None
    assert any("no module list called lost-track" in note for note in result.notes)


def test_an_account_with_data_is_refused(exported, carol, modules):
    StudySession.objects.create(learner=carol, date=date(2026, 1, 1), minutes=10)
    assert "already holds data (study sessions)" in refuse(carol, exported)


def test_an_account_with_only_settings_and_a_token_can_import(exported, carol):
    create_token(carol, "ci")
    importer.import_document(carol, exported)
    assert Note.objects.filter(learner=carol).exists()


@pytest.mark.parametrize(
    ("kind", "index", "change", "says"),
    [
        (
            "learners.note",
            0,
            {"body_html": "<script>x</script>"},
            "fields this site doesn't know: body_html",
        ),
        (
            "record.failure",
            0,
            {"lesson_html": "<img src=x onerror=alert(1)>"},
            "doesn't know: lesson_html",
        ),
        ("learners.note", 0, {"mood": "great"}, "doesn't know: mood"),
        ("learners.studysession", 0, {"minutes": "ninety"}, "should be a number"),
        ("learners.studysession", 0, {"minutes": 90.5}, "should be a number"),
        ("learners.studysession", 0, {"minutes": 5000}, "less than or equal to 1440"),
        ("learners.studysession", 0, {"date": "someday"}, "“date”"),
        ("learners.note", 0, {"created_at": "2026-02-04T12:00:00"}, "needs a time zone"),
        ("learners.note", 0, {"body": ["a", "list"]}, "should be text"),
        ("record.failure", 0, {"category": "cosmic-rays"}, "is not a valid choice"),
        ("record.failure", 0, {"plan": 99}, "refers to learners.plan #99, which isn't in the file"),
        ("record.failure", 0, {"resolved": "yes"}, "should be true or false"),
        ("learners.planitem", 0, {"plan": None}, "can't be empty"),
        ("learners.checkpointtick", 0, {"checkpoint": "c0"}, "should name a checkpoint"),
        ("learners.note", 1, None, "appears twice"),
        ("learners.note", 0, {"id": "one"}, "no valid “id”"),
        ("record.failure", 0, {"title": "x" * 201}, "at most 200 characters"),
        ("experiments.run", 0, {"seed": 2**70}, "value"),
        ("learners.moduleprogress", 1, {"module": "m-0000"}, "contradicts itself"),
        # A TextField's max_length binds only its form; the import holds the same bound.
        ("learners.note", 0, {"body": "x" * 20_001}, "at most 20000 characters (it has 20001)"),
        ("record.failure", 0, {"lesson": "x" * 20_001}, "lesson: Ensure this value has at most"),
        # The mentors' rows (format 4): each refused with its row and field named.
        ("mentors.comment", 0, {"body": "x" * 5_001}, "comment #1: body: Ensure this value"),
        ("mentors.comment", 0, {"body": ""}, "body: This field cannot be blank"),
        ("mentors.comment", 0, {"note": 1}, "contradicts itself"),  # on two things at once
        ("mentors.comment", 0, {"failure": None}, "contradicts itself"),  # on nothing
        ("mentors.comment", 0, {"mentorship": 999}, "mentors.mentorship #999, which isn't in"),
        ("mentors.comment", 0, {"by_mentor": "yes"}, "“by_mentor” should be true or false"),
        ("mentors.comment", 0, {"author_name": "x" * 151}, "at most 150 characters"),
        ("mentors.reviewrequest", 0, {"kind": "poem"}, "kind: Value 'poem' is not a valid"),
        ("mentors.reviewrequest", 0, {"status": "forever"}, "is not a valid choice"),
        ("mentors.reviewrequest", 0, {"question": "x" * 2_001}, "at most 2000 characters"),
        ("mentors.reviewrequest", 0, {"failure": None}, "contradicts itself"),  # no subject
        ("mentors.mentorship", 0, {"email": "not an email"}, "Enter a valid email address"),
        ("mentors.mentorship", 0, {"notes": "everything"}, "notes: Value 'everything' is not"),
        ("mentors.mentorship", 0, {"mentor": 5}, "fields this site doesn't know: mentor"),
        ("mentors.mentorship", 0, {"nonce": "abc"}, "fields this site doesn't know: nonce"),
        ("mentors.mentorship", 0, {"message": "x" * 1_001}, "at most 1000 characters"),
        ("mentors.mentorplan", 0, {"plan": 99}, "learners.plan #99, which isn't in the file"),
    ],
)
def test_a_row_that_breaks_a_rule_is_refused_and_nothing_changes(
    exported, carol, kind, index, change, says
):
    def apply(d):
        rows = d["data"][kind]
        if change is None:  # a second row with the same id
            rows.append(copy.deepcopy(rows[0]))
        else:
            rows[index].update(change)

    assert says in refuse(carol, edited(exported, apply))


def test_two_active_plans_are_refused_by_the_database(exported, carol):
    message = refuse(
        carol, edited(exported, lambda d: d["data"]["learners.plan"][0].update(status="active"))
    )
    assert "contradicts itself" in message


def test_an_invalid_account_setting_is_refused(exported, carol):
    message = refuse(
        carol, edited(exported, lambda d: d["account"].update(time_zone="Mars/Olympus"))
    )
    assert "account settings" in message and "Mars/Olympus" in message


def test_a_file_from_before_a_field_existed_takes_its_default(exported, carol):
    def drop(d):
        for row in d["data"]["record.failure"]:
            row.pop("lesson_at")
            row.pop("minutes_lost")

    importer.import_document(carol, edited(exported, drop))
    mask = Failure.objects.get(learner=carol, title="Mask off by one")
    assert mask.minutes_lost is None and mask.lesson_at is not None  # dated on save


# --- the pages -------------------------------------------------------------------------------------


def test_the_json_download_is_an_attachment_of_the_learners_own_data(client, rich):
    client.force_login(rich)
    response = client.get("/account/data/export.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert re.match(
        r'attachment; filename="trajectory-export-\d{4}-\d{2}-\d{2}\.json"',
        response["Content-Disposition"],
    )
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    document = json.loads(response.content)
    assert document["version"] == export.VERSION
    assert len(document["data"]["learners.note"]) == 1


def test_the_journal_reads_on_its_own(client, rich, modules):
    client.force_login(rich)
    response = client.get("/account/data/journal.md")
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert "attachment;" in response["Content-Disposition"]
    text = response.content.decode()
    assert text.startswith("# Trajectory journal: Alice L.\n")
    for expected in (
        "## Plans", "### A chatbot (active)", "from the list “A track”", "### First try (abandoned)",
        f"### {modules[0].title}", "Done · started", "confidence 2 → 4 of 5", "#### Checkpoints done",
        "##### Idea",  # the note's heading, moved under the module's
        "# keep",  # ... but not a comment inside its code
        "##### Mask off by one", "180 minutes lost", "> Test the mask", "## Lessons learned",
        "lr-sweep-3 · failed", "val_loss = 2.25", "### Study time on no particular module",
        "- Wednesday 4 February 2026: 90 minutes, Read",
    ):  # fmt: skip
        assert expected in text, expected
    assert "bob's secret note" not in text
    assert f"### {modules[2].title}" in text  # a failure is enough to be in the journal


def test_importing_through_the_page_fills_the_account_and_says_what_came(client, exported, carol):
    client.force_login(carol)
    response = client.post("/account/data/import/", {"file": upload(json.dumps(exported))})
    assert response.status_code == 302 and response["Location"] == "/"
    page = client.get("/").text
    assert re.search(r"Imported \d+ rows: ", page)
    assert "Not imported, as they belong to the site that made the file: 1 api token." in page
    assert Failure.objects.filter(learner=carol).count() == 2


def test_a_refused_file_comes_back_with_the_reason_at_the_field(client, exported, carol):
    client.force_login(carol)
    newer = edited(exported, lambda d: d.update(version=9))
    response = client.post("/account/data/import/", {"file": upload(json.dumps(newer))})
    assert response.status_code == 302
    assert response["Location"] == "/account/data/#import"
    page = client.get(response["Location"]).text
    assert 'id="import-errors"' in page
    assert "format version 9" in page and "Nothing was imported." in page
    assert "format version 9" not in client.get("/account/data/").text  # said once
    assert not Note.objects.filter(learner=carol).exists()


def test_an_import_without_a_file_asks_for_one(client, carol):
    client.force_login(carol)
    response = client.post("/account/data/import/", {})
    page = client.get(response["Location"]).text
    assert "Choose the .json file" in page


def test_an_account_with_data_is_told_why_it_cannot_import(client, rich):
    client.force_login(rich)
    page = client.get("/account/data/").text
    assert "only goes into an account with no data" in page
    assert 'action="/account/data/import/"' not in page


def test_the_data_page_counts_what_the_account_holds(client, rich):
    client.force_login(rich)
    page = client.get("/account/data/").text
    assert "<strong>2</strong> failures" in page
    assert "<strong>1</strong> note</li>" in page
    assert 'href="/account/data/export.json"' in page and 'href="/account/data/journal.md"' in page


def test_the_settings_page_links_to_the_data_page(client, alice):
    client.force_login(alice)
    assert 'href="/account/data/"' in client.get("/settings/").text


def test_a_checkpoint_key_is_matched_within_its_module(exported, carol, modules):
    # Every module has a checkpoint "c0": the tick must land on its own module's.
    importer.import_document(carol, exported)
    ticks = CheckpointTick.objects.filter(learner=carol).select_related("checkpoint__module")
    assert {tick.checkpoint.module for tick in ticks} == {modules[0]}
    assert Checkpoint.objects.filter(key="c0").count() == 3
    assert at(5) == ticks[0].ticked_at
    assert timedelta(0) == ticks[0].ticked_at - at(5)

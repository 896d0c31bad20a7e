"""The logging client, for real: a git repository in a temporary folder, a training script
that imports the real client file, run as a subprocess against the app on a real server on
loopback; and the same script with the server unreachable, which must still finish."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from learners.experiments.client import trajectory_client
from learners.experiments.models import Run, RunMetric
from learners.experiments.views import CLIENT_PATH
from tests.access_experiments import make_token
from tests.factories import make_learner, make_modules

pytestmark = pytest.mark.django_db(transaction=True)

TRAIN = """\
import sys
import trajectory_client as trajectory

config = {"lr": 20, "dropout": float(sys.argv[1]), "layers": 2}
run = trajectory.Run(module=sys.argv[2], name="dropout " + sys.argv[1], config=config, seed=1234)
for epoch, ppl in enumerate([240.5, 150.25, 112.4], start=1):
    run.log(epoch, val_ppl=ppl, train_loss=ppl / 50)
result = run.finish(outcome="worked")
print("logged:", result and result["id"])
print("training done")
"""


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True
    ).stdout.strip()


@pytest.fixture
def repo(tmp_path) -> Path:
    repo = tmp_path / "lstm"
    repo.mkdir()
    git(repo, "init", "--quiet", "--initial-branch=exp/dropout")
    git(repo, "config", "user.email", "learner@example.com")
    git(repo, "config", "user.name", "Learner")
    (repo / "model.py").write_text("DROPOUT = 0.2\nLAYERS = 2\n")
    (repo / "train.py").write_text(TRAIN)
    git(repo, "add", ".")
    git(repo, "commit", "--quiet", "-m", "LSTM baseline")
    return repo


@pytest.fixture
def learner_and_token():
    learner = make_learner("scripter@example.com")
    return learner, make_token(learner)[1]


def closed_port() -> int:
    """A port on loopback that nothing listens on: connections are refused at once."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_script(repo: Path, tmp_path: Path, url: str, token: str, *args: str):
    env = {
        **os.environ,
        "PYTHONPATH": str(CLIENT_PATH.parent),  # the real client file, as a learner copies it
        "TRAJECTORY_URL": url,
        "TRAJECTORY_TOKEN": token,
        "TRAJECTORY_SPOOL": str(tmp_path / "spool.jsonl"),
        "HOME": str(tmp_path),
    }
    return subprocess.run(
        [sys.executable, *args], cwd=repo, env=env, capture_output=True, text=True, timeout=60
    )


def test_a_training_script_in_a_dirty_repository_logs_its_exact_code(
    repo, tmp_path, live_server, learner_and_token
):
    learner, token = learner_and_token
    (module,) = make_modules(1)
    (repo / "model.py").write_text("DROPOUT = 0.5\nLAYERS = 2\n")  # edited, not committed
    (repo / "data.py").write_text("SPLIT = 0.9\n")  # a new file, not yet added
    sha = git(repo, "rev-parse", "HEAD")

    done = run_script(repo, tmp_path, live_server.url, token, "train.py", "0.5", module.slug)

    assert done.returncode == 0, done.stderr
    assert "training done" in done.stdout
    run = Run.objects.get()
    assert f"logged: {run.pk}" in done.stdout
    assert (run.learner, run.module, run.name) == (learner, module, "dropout 0.5")
    assert run.git_sha == sha
    assert run.git_branch == "exp/dropout"
    assert run.git_dirty is True
    assert "diff --git a/model.py b/model.py" in run.git_diff
    assert "-DROPOUT = 0.2" in run.git_diff and "+DROPOUT = 0.5" in run.git_diff
    assert "+SPLIT = 0.9" in run.git_diff  # untracked files are part of the code that ran
    assert run.git_diff_truncated is False
    assert run.config == {"lr": 20, "dropout": 0.5, "layers": 2}
    assert run.seed == 1234 and run.outcome == "worked"
    assert "train.py 0.5" in run.command
    ppl = RunMetric.objects.get(run=run, name="val_ppl")
    assert ppl.value == 112.4
    assert ppl.series == [[1, 240.5], [2, 150.25], [3, 112.4]]
    assert not (tmp_path / "spool.jsonl").exists()


def test_a_clean_repository_logs_a_clean_run_and_the_command_line_works(
    repo, tmp_path, live_server, learner_and_token
):
    _, token = learner_and_token
    (module,) = make_modules(1)
    (repo / "config.json").write_text('{"lr": 3e-4}')
    git(repo, "add", "config.json")
    git(repo, "commit", "--quiet", "-m", "config")

    done = run_script(
        repo, tmp_path, live_server.url, token,
        str(CLIENT_PATH), "log", "--module", module.slug, "--metric", "val_ppl=98.5",
        "--config", "config.json", "--outcome", "inconclusive", "--name", "from the shell",
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    run = Run.objects.get()
    assert (run.git_sha, run.git_dirty, run.git_diff) == (git(repo, "rev-parse", "HEAD"), False, "")
    assert run.config == {"lr": 3e-4}
    assert RunMetric.objects.get(run=run).value == 98.5
    assert f"logged run {run.pk}" in done.stdout


def test_an_unreachable_server_never_breaks_training_and_the_spool_is_sent_later(
    repo, tmp_path, live_server, learner_and_token
):
    _, token = learner_and_token
    (module,) = make_modules(1)
    (repo / "model.py").write_text("DROPOUT = 0.5\n")
    down = f"http://127.0.0.1:{closed_port()}"

    done = run_script(repo, tmp_path, down, token, "train.py", "0.5", module.slug)

    assert done.returncode == 0
    assert "training done" in done.stdout
    assert "logged: None" in done.stdout
    assert "trajectory: run not logged (could not reach" in done.stderr
    assert "saved to" in done.stderr and "flush" in done.stderr
    spool = tmp_path / "spool.jsonl"
    (entry,) = [json.loads(line) for line in spool.read_text().splitlines()]
    assert entry["payload"]["git"]["dirty"] is True
    assert "+DROPOUT = 0.5" in entry["payload"]["git"]["diff"]
    assert token not in spool.read_text()  # the spool never holds the token
    assert spool.stat().st_mode & 0o077 == 0  # readable by its owner only
    assert not Run.objects.exists()

    # Later, with the server up: the spool is sent, once, however often flush runs.
    spool.write_text(spool.read_text() * 2)  # the same run twice, as after a lost answer
    flushed = run_script(repo, tmp_path, live_server.url, token, str(CLIENT_PATH), "flush")
    assert flushed.returncode == 0, flushed.stderr
    assert "sent 2, still spooled 0" in flushed.stdout
    run = Run.objects.get()  # one run: the idempotency key travelled with it
    assert run.git_dirty and "+DROPOUT = 0.5" in run.git_diff
    assert spool.read_text() == ""


def test_a_refused_run_warns_and_is_not_spooled(repo, tmp_path, live_server, learner_and_token):
    _, token = learner_and_token
    done = run_script(repo, tmp_path, live_server.url, token, "train.py", "0.5", "no-such-module")
    assert done.returncode == 0
    assert "training done" in done.stdout
    assert "the server refused the run: 404" in done.stderr
    assert not (tmp_path / "spool.jsonl").exists()


def test_a_revoked_token_warns_without_breaking_training(repo, tmp_path, live_server):
    (module,) = make_modules(1)
    done = run_script(
        repo, tmp_path, live_server.url, "trj_revoked", "train.py", "0.5", module.slug
    )
    assert done.returncode == 0 and "training done" in done.stdout
    assert "refused the run: 401" in done.stderr


def test_a_run_that_raises_is_logged_as_failed_and_the_error_still_propagates(
    tmp_path, live_server, learner_and_token, monkeypatch
):
    _, token = learner_and_token
    (module,) = make_modules(1)
    monkeypatch.chdir(tmp_path)  # not a repository: no git fields

    run = trajectory_client.Run(
        module=module.slug, url=live_server.url, token=token, spool=str(tmp_path / "s")
    )

    def train() -> None:
        with run:
            run.log(1, loss=4.2)
            raise RuntimeError("CUDA out of memory")

    with pytest.raises(RuntimeError, match="CUDA out of memory"):
        train()

    logged = Run.objects.get()
    assert logged.outcome == "failed"
    assert "RuntimeError: CUDA out of memory" in logged.notes
    assert (logged.git_sha, logged.git_dirty) == ("", False)
    assert RunMetric.objects.get(run=logged).value == 4.2


def test_non_finite_values_are_skipped_with_a_warning(tmp_path, live_server, learner_and_token):
    _, token = learner_and_token
    (module,) = make_modules(1)
    run = trajectory_client.Run(
        module=module.slug, url=live_server.url, token=token, cwd=str(tmp_path)
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run.log(1, loss=float("nan"))
        run.log(2, loss=1.5)
        assert run.finish()["metrics"] == {"loss": 1.5}
    assert any("skipped loss at step 1" in str(w.message) for w in caught)


def test_git_info_reads_a_detached_head_and_cuts_a_long_diff(repo, monkeypatch):
    monkeypatch.setattr(trajectory_client, "MAX_DIFF_CHARS", 200)
    git(repo, "checkout", "--quiet", "--detach")
    (repo / "model.py").write_text("".join(f"LINE_{i} = {i}\n" for i in range(100)))
    info = trajectory_client.git_info(str(repo))
    assert info["branch"] == ""
    assert info["dirty"] and info["diff_truncated"]
    assert len(info["diff"]) <= 200 and info["diff"].endswith("\n")


def test_outside_a_repository_git_info_is_empty(tmp_path):
    assert trajectory_client.git_info(str(tmp_path)) == {}

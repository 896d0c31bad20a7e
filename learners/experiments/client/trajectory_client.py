"""Log training runs to Trajectory, tied to the exact code that ran. Standard library only.

Copy this file next to your training script (download it from /experiments/trajectory_client.py
on your Trajectory site), set two environment variables, and log:

    export TRAJECTORY_URL=https://trajectory.example.com
    export TRAJECTORY_TOKEN=trj_...            # made on /settings/tokens/

    import trajectory_client as trajectory

    run = trajectory.Run(module="lstm-language-model", name="2 layers, dropout 0.5",
                         config=config, seed=1234)    # reads git SHA, branch, dirty, diff now
    for epoch in range(epochs):
        ...
        run.log(epoch, val_ppl=ppl, train_loss=loss)  # curves, one point per call
    run.finish(outcome="worked")                      # posts; final values = last points

or in one call at the end: `trajectory.log_run(module=..., config=..., metrics={"val_ppl": 112.4})`.

Logging never breaks the training run: if the server is unreachable (or answers 429 or
5xx), the client warns and appends the run to a spool file (TRAJECTORY_SPOOL, by default
~/.trajectory/spool.jsonl); `python trajectory_client.py flush` sends it later. Each run
carries an Idempotency-Key, so sending it twice still makes one run.

Command line (for shell scripts):

    python trajectory_client.py log --module lstm-language-model --metric val_ppl=112.4 \\
        --config config.json --seed 1234 --outcome worked
    python trajectory_client.py flush     # send what was spooled
    python trajectory_client.py git       # show what would be recorded about the code

Works with Python 3.8 and later.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shlex
import subprocess
import sys
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
import uuid
import warnings
from datetime import datetime, timezone

__version__ = "1.0"

DEFAULT_URL = "http://127.0.0.1:8000"
DEFAULT_SPOOL = os.path.join("~", ".trajectory", "spool.jsonl")
MAX_DIFF_CHARS = 256 * 1024  # the server keeps this much of a diff, and so do we
MAX_UNTRACKED_FILES = 50  # new files are part of "the code"; a build folder is not
MAX_UNTRACKED_BYTES = 256 * 1024
TIMEOUT = 10.0  # seconds per request
RETRIES = 2  # after the first try, for network errors and 5xx
BACKOFF = 0.5  # seconds, doubled each retry
MAX_RETRY_AFTER = 5  # seconds we are willing to wait on a 429 before spooling instead
RETRYABLE = {429, 500, 502, 503, 504}


class TrajectoryWarning(UserWarning):
    """Logging a run did not go as planned; the training run carries on."""


def _warn(message):
    warnings.warn("trajectory: " + message, TrajectoryWarning, stacklevel=3)


# --- the code that is running -------------------------------------------------------------------


def _git(args, cwd):
    """stdout of a git command, or None if git is missing or the command fails."""
    env = dict(os.environ, GIT_OPTIONAL_LOCKS="0", LC_ALL="C", GIT_PAGER="cat")
    try:
        # A fixed argument list and no shell; git from PATH, as the learner runs it.
        done = subprocess.run(  # noqa: S603
            ["git", "-c", "core.quotepath=off", *args],  # noqa: S607
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    # `git diff --no-index` exits 1 when the files differ, which is what we asked for.
    if done.returncode not in (0, 1) or (
        done.returncode == 1 and args[:2] != ["diff", "--no-index"]
    ):
        return None
    return done.stdout.decode("utf-8", errors="replace")


def git_info(cwd=None):
    """SHA, branch, dirty flag and diff of the working tree at `cwd` (default: here).

    `dirty` counts untracked files too (a new module file changes the code as much as an
    edit), and their contents are added to the diff. An empty dict outside a repository.
    """
    cwd = cwd or os.getcwd()
    top = _git(["rev-parse", "--show-toplevel"], cwd)
    if top is None:
        return {}
    top = top.strip()
    sha = (_git(["rev-parse", "--verify", "--quiet", "HEAD"], top) or "").strip()
    branch = (_git(["rev-parse", "--abbrev-ref", "HEAD"], top) or "").strip()
    if branch == "HEAD":
        branch = ""  # a detached HEAD has no branch
    status = _git(["status", "--porcelain", "--untracked-files=normal"], top) or ""
    dirty = bool(status.strip())
    parts = []
    if dirty and sha:
        parts.append(_git(["diff", "HEAD", "--no-color", "--no-ext-diff"], top) or "")
    untracked = (_git(["ls-files", "--others", "--exclude-standard", "-z"], top) or "").split("\0")
    for path in [p for p in untracked if p][:MAX_UNTRACKED_FILES]:
        full = os.path.join(top, path)
        try:
            if os.path.getsize(full) > MAX_UNTRACKED_BYTES:
                parts.append(f"diff --git a/{path} b/{path}\nnew file (not shown: too large)\n")
                continue
        except OSError:
            continue
        parts.append(
            _git(["diff", "--no-index", "--no-color", "--no-ext-diff", "--", os.devnull, path], top)
            or ""
        )
    diff, truncated = _cut("".join(parts), MAX_DIFF_CHARS)
    info = {"sha": sha, "branch": branch, "dirty": dirty}
    if dirty:
        info["diff"] = diff
        info["diff_truncated"] = truncated
    return info


def _cut(text, limit):
    if len(text) <= limit:
        return text, False
    cut = text.rfind("\n", 0, limit)
    return text[: cut + 1 if cut > 0 else limit], True


# --- sending --------------------------------------------------------------------------------


def _settings(url=None, token=None, spool=None):
    url = (url or os.environ.get("TRAJECTORY_URL") or DEFAULT_URL).rstrip("/")
    token = token or os.environ.get("TRAJECTORY_TOKEN") or ""
    spool = os.path.expanduser(spool or os.environ.get("TRAJECTORY_SPOOL") or DEFAULT_SPOOL)
    return url, token, spool


def _now():
    # timezone.utc, not datetime.UTC: the client runs on Python 3.8 and later.
    return datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")  # noqa: UP017


class _Answer:
    def __init__(self, status, body):
        self.status = status  # None: the server was not reached
        self.body = body

    @property
    def message(self):
        if self.status is None:
            return self.body.get("message", "unreachable")
        text = "{} {}".format(self.status, self.body.get("message", ""))
        for field, problems in sorted(self.body.get("fields", {}).items()):
            text += "\n  {}: {}".format(field, " ".join(problems))
        return text


def _send(url, token, payload, key, timeout=TIMEOUT, retries=RETRIES):
    """POST one run. Retries network errors and 5xx; waits out a short 429."""
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        return _Answer(None, {"message": "TRAJECTORY_URL must start with http:// or https://"})
    body = json.dumps(payload, allow_nan=False).encode("utf-8")
    # The scheme was checked above: only http and https reach urllib.
    request = urllib.request.Request(  # noqa: S310
        url + "/api/v1/runs",
        data=body,
        method="POST",
        headers={
            "Authorization": "Bearer " + token,
            "Content-Type": "application/json",
            "Idempotency-Key": key,
            "User-Agent": "trajectory-client/" + __version__,
        },
    )
    answer = None
    for attempt in range(retries + 1):
        if attempt:
            time.sleep(BACKOFF * 2 ** (attempt - 1))
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                return _Answer(response.status, _json(response.read()))
        except urllib.error.HTTPError as error:
            answer = _Answer(error.code, _json(error.read()))
            if error.code == 429:
                wait = _retry_after(error.headers.get("Retry-After"))
                if wait is None or wait > MAX_RETRY_AFTER or attempt == retries:
                    return answer
                time.sleep(wait)
            elif error.code not in RETRYABLE:
                return answer
        except (urllib.error.URLError, OSError, ValueError) as error:
            reason = getattr(error, "reason", error)
            answer = _Answer(None, {"message": f"could not reach {url}: {reason}"})
    return answer


def _json(raw):
    try:
        data = json.loads(raw.decode("utf-8"))
    except ValueError:
        return {"message": raw[:200].decode("utf-8", errors="replace")}
    return data if isinstance(data, dict) else {}


def _retry_after(value):
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return None


def _spool(path, key, payload):
    """Append a run to the spool file (one JSON object a line, readable by you only)."""
    directory = os.path.dirname(path)
    if directory:
        os.makedirs(directory, mode=0o700, exist_ok=True)
    line = json.dumps({"key": key, "spooled_at": _now(), "payload": payload}) + "\n"
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(descriptor, "a", encoding="utf-8") as spool:
        _lock(spool)
        spool.write(line)


def _lock(handle):
    try:
        import fcntl  # POSIX only; elsewhere, don't flush while a run is being spooled
    except ImportError:
        return
    fcntl.flock(handle.fileno(), fcntl.LOCK_EX)


def _submit(payload, url=None, token=None, spool=None, spool_on_failure=True):
    """Send, or spool when the server can't take it now. Never raises."""
    url, token, spool_path = _settings(url, token, spool)
    key = str(uuid.uuid4())
    try:
        if not token:
            answer = _Answer(None, {"message": "TRAJECTORY_TOKEN is not set"})
        else:
            answer = _send(url, token, payload, key)
        if answer.status in (200, 201):
            return answer.body
        if answer.status is None or answer.status in RETRYABLE:
            if spool_on_failure:
                _spool(spool_path, key, payload)
                _warn(
                    f"run not logged ({answer.message}); saved to {spool_path} — send it later with "
                    "`python trajectory_client.py flush`"
                )
            else:
                _warn(f"run not logged: {answer.message}")
            return None
        _warn(f"the server refused the run: {answer.message}")
        return None
    except Exception as error:  # logging must never end a training run
        _warn(f"run not logged: {type(error).__name__}: {error}")
        return None


def flush_spool(url=None, token=None, spool=None):
    """Send every spooled run. Returns (sent, still spooled). Refused runs move to
    `<spool>.rejected` with the server's reason, so nothing is silently lost."""
    url, token, path = _settings(url, token, spool)
    if not os.path.exists(path):
        return 0, 0
    if not token:
        _warn("TRAJECTORY_TOKEN is not set: nothing sent")
        with open(path, encoding="utf-8") as handle:
            return 0, sum(1 for line in handle if line.strip())
    sent, kept, rejected = 0, [], []
    with open(path, "r+", encoding="utf-8") as handle:
        _lock(handle)
        for line in handle:
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
                payload, key = entry["payload"], entry["key"]
            except (ValueError, KeyError, TypeError):
                rejected.append(line.rstrip("\n"))
                continue
            answer = _send(url, token, payload, key)
            if answer.status in (200, 201):
                sent += 1
            elif answer.status is None or answer.status in RETRYABLE or answer.status == 401:
                kept.append(line.rstrip("\n"))
            else:
                entry["rejected"] = answer.message
                rejected.append(json.dumps(entry))
                _warn(f"the server refused a spooled run: {answer.message}")
        handle.seek(0)
        handle.truncate()
        handle.write("".join(item + "\n" for item in kept))
    if rejected:
        descriptor = os.open(path + ".rejected", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(descriptor, "a", encoding="utf-8") as out:
            out.write("".join(item + "\n" for item in rejected))
    return sent, len(kept)


# --- the public API --------------------------------------------------------------------------


def _command():
    return " ".join(["python", *(shlex.quote(arg) for arg in sys.argv)])


def _finite(value):
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"not a finite number: {value!r}")
    return number


def _metrics_payload(metrics, series):
    result = {}
    names = list(metrics or {}) + [name for name in (series or {}) if name not in (metrics or {})]
    for name in names:
        points = [[step, _finite(value)] for step, value in (series or {}).get(name, [])]
        item = {}
        if metrics and name in metrics:
            item["value"] = _finite(metrics[name])
        if points:
            item["series"] = points
        if item:
            result[name] = item if points else item["value"]
    return result


def build_payload(
    module,
    name=None,
    config=None,
    metrics=None,
    series=None,
    seed=None,
    outcome=None,
    notes=None,
    command=None,
    started_at=None,
    git=None,
    cwd=None,
):
    """The JSON body for POST /api/v1/runs (see docs/api.md)."""
    payload = {"module": module, "started_at": started_at or _now()}
    if name:
        payload["name"] = name
    payload["git"] = git if git is not None else git_info(cwd)
    if not payload["git"]:
        del payload["git"]
    payload["command"] = command if command is not None else _command()
    if config is not None:
        payload["config"] = json.loads(json.dumps(config, default=str))
    if seed is not None:
        payload["seed"] = int(seed)
    payload["metrics"] = _metrics_payload(metrics, series)
    if outcome:
        payload["outcome"] = outcome
    if notes:
        payload["notes"] = notes
    return payload


def log_run(module, url=None, token=None, spool=None, **fields):
    """Log one finished run. Returns the server's description of it, or None (after a
    warning) if it could not be logged now. Never raises."""
    try:
        payload = build_payload(module, **fields)
    except Exception as error:  # a bad metric must not end the training run
        _warn(f"run not logged: {type(error).__name__}: {error}")
        return None
    return _submit(payload, url=url, token=token, spool=spool)


class Run:
    """A run in progress: the code is read when it starts, curves collect as it trains.

    As a context manager it finishes itself: outcome "worked" by default, or "failed" with
    the exception in the notes if the block raises (the exception still propagates).
    """

    def __init__(
        self, module, name=None, config=None, seed=None, cwd=None, url=None, token=None, spool=None
    ):
        self.module, self.name, self.config, self.seed = module, name, config, seed
        self.url, self.token, self.spool = url, token, spool
        self.started_at = _now()
        self.command = _command()
        self.series = {}
        self.result = None
        self.finished = False
        try:
            self.git = git_info(cwd)
        except Exception as error:
            _warn(f"could not read git: {error}")
            self.git = {}

    def log(self, step, **values):
        """Add a point to each named curve, e.g. run.log(3, val_ppl=141.2, train_loss=4.9)."""
        for name, value in values.items():
            try:
                self.series.setdefault(name, []).append([step, _finite(value)])
            except (TypeError, ValueError) as error:
                _warn(f"skipped {name} at step {step}: {error}")

    def finish(self, metrics=None, outcome="worked", notes=None):
        """Post the run. Final values default to each curve's last point."""
        if self.finished:
            return self.result
        self.finished = True
        final = {name: points[-1][1] for name, points in self.series.items() if points}
        final.update(metrics or {})
        self.result = log_run(
            self.module,
            url=self.url,
            token=self.token,
            spool=self.spool,
            name=self.name,
            config=self.config,
            metrics=final,
            series=self.series,
            seed=self.seed,
            outcome=outcome,
            notes=notes,
            command=self.command,
            started_at=self.started_at,
            git=self.git,
        )
        return self.result

    def __enter__(self):
        return self

    def __exit__(self, kind, error, trace):
        if kind is None:
            self.finish()
        elif not issubclass(kind, KeyboardInterrupt):
            text = "".join(traceback.format_exception_only(kind, error)).strip()
            self.finish(outcome="failed", notes="The run raised:\n\n    " + text)
        return False  # never swallow the training's own exception


# --- command line -------------------------------------------------------------------------------


def _parse_metric(text):
    name, sep, value = text.rpartition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError("use name=value, e.g. val_ppl=112.4")
    try:
        return name, _finite(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from error


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="trajectory_client.py", description=__doc__.split("\n")[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    log = commands.add_parser("log", help="log a run")
    log.add_argument("--module", required=True, help="the module's slug")
    log.add_argument("--name")
    log.add_argument(
        "--metric", action="append", type=_parse_metric, default=[], metavar="NAME=VALUE"
    )
    log.add_argument("--config", help="a JSON file of hyperparameters")
    log.add_argument("--seed", type=int)
    log.add_argument("--outcome", choices=["worked", "failed", "inconclusive"])
    log.add_argument("--notes")
    log.add_argument("--run-command", dest="run_command", help="the command that trained")
    commands.add_parser("flush", help="send the runs spooled while the server was unreachable")
    commands.add_parser("git", help="print what would be recorded about the code here")
    args = parser.parse_args(argv)

    if args.command == "git":
        print(json.dumps(git_info(), indent=2))
        return 0
    if args.command == "flush":
        sent, kept = flush_spool()
        print(f"sent {sent}, still spooled {kept}")
        return 0
    config = None
    if args.config:
        try:
            with open(args.config, encoding="utf-8") as handle:
                config = json.load(handle)
        except (OSError, ValueError) as error:
            parser.error(f"--config: {error}")
    result = log_run(
        args.module,
        name=args.name,
        config=config,
        metrics=dict(args.metric),
        seed=args.seed,
        outcome=args.outcome,
        notes=args.notes,
        command=args.run_command or "",
    )
    if result:
        print("logged run {}: {}".format(result.get("id"), result.get("url")))
    return 0


if __name__ == "__main__":
    sys.exit(main())

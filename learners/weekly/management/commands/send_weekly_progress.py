"""`manage.py send_weekly_progress`: send the weekly progress emails that are due, then exit.

    send_weekly_progress                 once, now (for cron or a systemd timer)
    send_weekly_progress --loop          every --interval seconds until SIGTERM or SIGINT
    send_weekly_progress --dry-run       who would get what now; writes nothing
    send_weekly_progress --now 2026-03-02T08:00:00+00:00
                                         act as if it were that moment (tests; catching up)

How sending stays exactly once, and what a crash can cost: learners/weekly/sender.py and
docs/email.md.
"""

from __future__ import annotations

import signal
import threading
from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections
from django.utils import timezone

from learners.weekly import sender


def aware_datetime(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(
            f"--now must be an ISO datetime like 2026-03-02T08:00:00+00:00, not {value!r}."
        ) from None
    if moment.tzinfo is None:
        # A naive time would be read in the server's zone: say which instant you mean.
        raise CommandError("--now needs a UTC offset, e.g. 2026-03-02T08:00:00+00:00.")
    return moment


class Command(BaseCommand):
    help = "Send the weekly progress emails that are due, then exit (or keep going with --loop)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--now", help="Act as if it were this ISO datetime (with offset).")
        parser.add_argument(
            "--dry-run", action="store_true", help="List who would get what; send nothing."
        )
        parser.add_argument(
            "--loop", action="store_true", help="Keep running; stop cleanly on SIGTERM."
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=60.0,
            help="Seconds between runs with --loop (default 60).",
        )

    def handle(self, *args, **options) -> None:
        now = aware_datetime(options["now"]) if options["now"] else None
        if options["loop"] and (now or options["dry_run"]):
            raise CommandError("--loop runs on the real clock and sends: no --now or --dry-run.")
        if options["interval"] <= 0:
            raise CommandError("--interval must be more than 0 seconds.")
        if options["dry_run"]:
            self.dry_run(now or timezone.now())
        elif options["loop"]:
            self.loop(options["interval"])
        else:
            self.once(now or timezone.now())

    def once(self, now: datetime, should_stop=lambda: False) -> None:
        report = sender.run_once(now, should_stop=should_stop)
        self.stdout.write(f"{now.isoformat()}: {report.summary()}")

    def dry_run(self, now: datetime) -> None:
        planned = sender.dry_run(now)
        self.stdout.write(f"{now.isoformat()}: {len(planned)} due (dry run, nothing sent)")
        for item in planned:
            self.stdout.write(
                f"{item.email}\t{item.local_time}\tweek of {item.week_start}\t{item.subject}"
            )

    def loop(self, interval: float) -> None:
        stopping = threading.Event()

        def stop(signum, frame) -> None:
            # Finish the learner in hand, then exit: a kill mid-send would leave it in doubt.
            stopping.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(f"Sending weekly emails every {interval:g} s; SIGTERM stops.")
        self.stdout.flush()
        while not stopping.is_set():
            self.once(timezone.now(), should_stop=stopping.is_set)
            self.stdout.flush()
            close_old_connections()
            stopping.wait(interval)
        self.stdout.write("Stopped.")

"""A real SMTP server on loopback that records what it receives: for the tests, the benchmark,
and trying the weekly email locally.

    .venv/bin/python -m learners.weekly.sink --port 2525
    EMAIL_URL=smtp://127.0.0.1:2525 .venv/bin/python manage.py send_weekly_progress

It speaks SMTP through aiosmtpd (a development dependency), so Django's SMTP backend is
exercised for real: connection, envelope, DATA, the server's replies. It can also misbehave on
purpose: refuse some recipients, fail a delivery a few times, be slow, or call a hook while a
message is in flight (the crash tests kill a sender there).
"""

from __future__ import annotations

import email
import email.policy
import logging
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage


@dataclass(frozen=True)
class Received:
    mail_from: str
    recipients: tuple[str, ...]
    data: bytes

    def parsed(self) -> EmailMessage:
        return email.message_from_bytes(self.data, policy=email.policy.default)


@dataclass
class Behaviour:
    refuse: set[str] = field(default_factory=set)  # recipients answered 550 at RCPT
    fail_times: dict[str, int] = field(default_factory=dict)  # recipient → 451s at DATA first
    delay: float = 0.0  # seconds to wait before answering DATA
    # Called with (number of this message, its recipients) before it is accepted. Returning a
    # string answers with it instead of accepting: e.g. "451 try later".
    before_accept: Callable[[int, tuple[str, ...]], str | None] | None = None
    # Called the same way once the message is recorded, before "250" goes back to the client.
    after_accept: Callable[[int, tuple[str, ...]], None] | None = None


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.sink.behaviour.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        # aiosmtpd runs handlers on its event loop thread; a blocking sleep is fine for a sink.
        behaviour = self.sink.behaviour
        if behaviour.delay:
            time.sleep(behaviour.delay)
        recipients = tuple(address.lower() for address in envelope.rcpt_tos)
        with self.sink.lock:
            for address in recipients:
                if self.sink.failures_left(address):
                    self.sink.failed[address] += 1
                    return "451 4.3.0 Temporary failure, try again later"
            self.sink.attempts += 1
            number = self.sink.attempts
        if behaviour.before_accept is not None:
            answer = behaviour.before_accept(number, recipients)
            if answer:
                return answer
        with self.sink.lock:
            data = bytes(envelope.original_content) if self.sink.keep else b""
            self.sink.messages.append(Received(envelope.mail_from, recipients, data))
        if behaviour.after_accept is not None:
            behaviour.after_accept(number, recipients)
        return "250 OK: queued"


class SmtpSink:
    """Start with `with SmtpSink() as sink:`; `sink.port`, `sink.messages`, `sink.url`."""

    def __init__(
        self, behaviour: Behaviour | None = None, host: str = "127.0.0.1", *, keep: bool = True
    ) -> None:
        self.host = host
        self.keep = keep  # False: record envelopes only (a benchmark's 10,000 messages)
        self.port = 0
        self.behaviour = behaviour or Behaviour()
        self.messages: list[Received] = []
        self.failed: Counter[str] = Counter()
        self.attempts = 0
        self.lock = threading.Lock()
        self._controller = None

    @property
    def url(self) -> str:
        """For EMAIL_URL (plain SMTP, no TLS: loopback only)."""
        return f"smtp://{self.host}:{self.port}?tls=false"

    def mailer(self) -> dict:
        """A MAILERS entry using Django's SMTP backend against this server."""
        return {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": self.host, "port": self.port, "timeout": 10},
        }

    def failures_left(self, address: str) -> bool:
        return self.failed[address] < self.behaviour.fail_times.get(address, 0)

    def start(self) -> SmtpSink:
        from aiosmtpd.controller import Controller

        # aiosmtpd logs every connection at INFO; a sink that takes thousands would drown a log.
        logging.getLogger("mail.log").setLevel(logging.WARNING)

        # aiosmtpd 1.4.6 can't start on port 0 (its readiness check connects to the port it
        # was given), so ask the kernel for a free port first; retry if it's taken meanwhile.
        for _ in range(20):
            self.port = free_port(self.host)
            controller = Controller(_Handler(self), hostname=self.host, port=self.port)
            try:
                controller.start()
            except (OSError, RuntimeError):
                continue
            self._controller = controller
            return self
        raise RuntimeError("Could not start the SMTP sink on a free port.")

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> SmtpSink:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def received_by(self) -> Counter[str]:
        """How many messages each recipient got."""
        with self.lock:
            return Counter(address for message in self.messages for address in message.recipients)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def main() -> None:  # pragma: no cover - a developer's tool
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=2525)
    port = parser.parse_args().port
    from aiosmtpd.controller import Controller

    class Printer:
        async def handle_DATA(self, server, session, envelope):
            parsed = email.message_from_bytes(
                envelope.original_content, policy=email.policy.default
            )
            print(f"{', '.join(envelope.rcpt_tos)}: {parsed['Subject']}", flush=True)
            return "250 OK"

    controller = Controller(Printer(), hostname="127.0.0.1", port=port)
    controller.start()
    print(f"Listening on smtp://127.0.0.1:{port}; Ctrl-C stops.", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        controller.stop()


if __name__ == "__main__":  # pragma: no cover
    main()

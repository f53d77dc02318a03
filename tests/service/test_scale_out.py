"""Two web processes and two worker processes on one PostgreSQL, as docs/scaling.md describes
a deployment past one process: every job slot is claimed once and every email sent once.

The webs are two gunicorns (`gunicorn wsgi:app`, as the Procfile runs it); the workers two
`flask --app wsgi worker` schedulers, both running every job. Contacts are created and
invited through the API of both webs at once, from several client threads; the workers'
deliver-email jobs send through a fake SendGrid on 127.0.0.1, whose record of accepted
recipients is the judge of "once". PostgreSQL pass only: rows are committed for real
(tests/committed.py) and deleted afterwards.
"""

from __future__ import annotations

import base64
import os
import threading
import time
from collections import Counter

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import func, select

from feedback.models import Invitation, JobRun, OutboxEmail, WorkerHeartbeat
from feedback.services import org, programs
from jobs.registry import JOBS
from tests.conftest import PASSWORD
from tests.fakes.sendgrid_server import FakeSendGrid
from tests.servers import gunicorn, worker

API_KEY = "SG.scale-out-key"
CONTACTS = 200
CLIENTS = 4
CHUNK = 25

pytestmark = pytest.mark.skipif(
    not os.environ.get("FEEDBACK_TEST_DATABASE_URL"),
    reason="needs PostgreSQL (FEEDBACK_TEST_DATABASE_URL): several processes on one database; "
    "runs in the PostgreSQL pass of `python3 dev.py test`",
)


def _public_key() -> str:
    der = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return base64.b64encode(der).decode()


@pytest.fixture
def setup(committed):
    tag = time.time_ns()
    admin = org.create_user(committed, {"email": f"scale-{tag}@staff.example.com",
                                        "name": "Scale", "role": "admin",
                                        "password": PASSWORD})  # fmt: skip
    _, token = org.create_api_token(committed, admin.email, "scale-out")
    program = programs.create_program(
        committed, {"name": f"Scale {tag}", "kind": "nps", "active": True, "product_name": "Acme"}
    )
    committed.commit()
    emails = [f"s{i}-{tag}@customer.example.org" for i in range(CONTACTS)]
    return token, program.id, emails


def test_two_webs_and_two_workers_claim_each_slot_once_and_send_each_email_once(
    database_url, committed, setup, tmp_path
):
    token, program_id, emails = setup
    chunks = [emails[i : i + CHUNK] for i in range(0, len(emails), CHUNK)]
    started = time.time()
    with FakeSendGrid(api_key=API_KEY) as fake:
        mail = {
            "FEEDBACK_MAIL_BACKEND": "sendgrid", "FEEDBACK_SENDGRID_API_KEY": API_KEY,
            "FEEDBACK_SENDGRID_HOST": fake.url, "FEEDBACK_MAIL_FROM": "cs@feedback.example.com",
            "FEEDBACK_SENDGRID_WEBHOOK_PUBLIC_KEY": _public_key(),
            "FEEDBACK_INBOUND_SECRET": "scale-out-secret",
        }  # fmt: skip
        with (
            gunicorn(tmp_path, database_url, name="web-a", workers=1, **mail) as web_a,
            gunicorn(tmp_path, database_url, name="web-b", workers=1, **mail) as web_b,
            worker(tmp_path, database_url, name="worker-a", **mail) as worker_a,
            worker(tmp_path, database_url, name="worker-b", **mail) as worker_b,
        ):
            webs = [web_a.url, web_b.url]
            failures: list[str] = []

            def client(n: int) -> None:
                http = requests.Session()
                http.headers["Authorization"] = f"Bearer {token}"
                for i, chunk in enumerate(chunks[n::CLIENTS]):
                    base = webs[(n + i) % 2]  # each client alternates between the two webs
                    made = http.post(f"{base}/api/v1/contacts/bulk", timeout=60,
                                     json={"contacts": [{"email": e} for e in chunk]})  # fmt: skip
                    invited = http.post(f"{base}/api/v1/programs/{program_id}/invitations",
                                        json={"emails": chunk}, timeout=60)  # fmt: skip
                    if made.status_code != 200 or invited.status_code != 200:
                        failures.append(f"{made.status_code} {invited.status_code}")
                    elif {r["status"] for r in invited.json()["results"]} != {"invited"}:
                        failures.append(str(invited.json()["results"][:2]))

            threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=300)
            assert failures == []

            deadline = time.monotonic() + 180  # a bound on a loaded machine, not a timing claim
            # Staff email (the weekly insight to this admin, say) may go out too: count the
            # customers' emails only.
            while len(set(fake.recipients()) & set(emails)) < CONTACTS:
                assert time.monotonic() < deadline, (len(fake.outbox_ids()), worker_a.log_text())
                assert worker_a.process.poll() is None and worker_b.process.poll() is None
                time.sleep(0.5)
            # Two more deliver-email slots: a duplicate, if there were one, would show now.
            time.sleep(2 * JOBS["deliver-email"].every_seconds)

    committed.expire_all()
    outbox = committed.execute(
        select(OutboxEmail.id, OutboxEmail.status, OutboxEmail.to_email)
        .join(Invitation, Invitation.id == OutboxEmail.invitation_id)
        .where(Invitation.program_id == program_id, OutboxEmail.kind != "reminder")
    ).all()  # each invitation's reminder is held for its day, as it should be
    assert len(outbox) == CONTACTS and {status for _, status, _ in outbox} == {"sent"}
    assert sorted(to for _, _, to in outbox) == sorted(emails)
    ours = {str(i) for i, _, _ in outbox}
    assert Counter(i for i in fake.outbox_ids() if i in ours) == Counter(ours)  # each once
    assert sorted(r for r in fake.recipients() if r in set(emails)) == sorted(emails)

    runs = committed.execute(
        select(JobRun.job, JobRun.scheduled_for, JobRun.worker, JobRun.status).where(
            JobRun.started_at >= func.to_timestamp(started - 5)
        )
    ).all()
    slots = Counter((job, slot) for job, slot, _, _ in runs)
    assert slots and max(slots.values()) == 1  # every slot claimed once
    assert {job for job, _ in slots} == set(JOBS)  # ... and every job did run
    assert {status for *_, status in runs} == {"done"}
    # Both schedulers were alive and competing for the same slots.
    beats = committed.scalars(
        select(WorkerHeartbeat.worker).where(WorkerHeartbeat.beat_at >= func.to_timestamp(started))
    ).all()
    assert len(set(beats)) == 2
    for name, job in JOBS.items():
        if job.every_seconds >= 900:  # both workers tried its first slot within one interval
            assert sum(1 for j, _ in slots if j == name) <= 2

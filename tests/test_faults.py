"""Faults in the production topology (`make prod-local`), each under traffic:
the broker restarted, an ingest worker killed, the active scheduler killed.
(PostgreSQL restarted under load: tests/test_prod_local.py.)"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests
from clock import iso, next_weekday, paris
from faults import (
    Device,
    eventually,
    jobs_run_twice,
    leadership_terms,
    metric,
    restart_broker_and_wait_for_a_subscriber,
    sql,
    stored_readings,
)
from topology import ProdLocal

pytestmark = pytest.mark.mqtt

SENSOR = "pc-faults-1"
STREAM = 300  # readings per fault


@pytest.fixture(scope="module")
def prod(tmp_path_factory):
    env = {"ONEXP_SCHEDULER_LEASE_SECONDS": "3"}  # a standby notices a dead leader within seconds
    with ProdLocal(workers=2, devices=(SENSOR,), env=env, run_dir=str(tmp_path_factory.mktemp("faults"))) as topology:
        topology.onexp("sensors", "add", SENSOR, "--site", "la-coque", "--space", "showroom")
        yield topology


@pytest.fixture
def device(prod):
    publisher = Device(prod, SENSOR)
    yield publisher
    publisher.close()


def test_mosquitto_restarted_under_load_loses_no_qos1_reading_sent_to_a_subscription(prod, device):
    started = datetime.now(UTC) - timedelta(seconds=STREAM + 5)  # where the stream's times begin
    before = stored_readings(prod, SENSOR, since=started)
    device.stream(STREAM, at={STREAM // 2: lambda: restart_broker_and_wait_for_a_subscriber(prod, device)})
    eventually(
        lambda: stored_readings(prod, SENSOR, since=started) == before + STREAM,
        f"{STREAM} readings stored across a restart",
    )
    assert {"ingest-1", "ingest-2"} <= set(prod.running())  # the workers reconnected by themselves


def test_a_killed_ingest_worker_leaves_the_stream_to_the_other_and_loses_nothing(prod, device):
    """The survivor goes on storing; Mosquitto keeps the dead worker's share of the shared subscription
    in its persistent session, delivered when the supervisor restarts it: late, never lost, never twice."""
    before = stored_readings(prod, SENSOR)
    survivor_before = metric(prod, "ingest-2", "onexp_readings_accepted_total")
    device.stream(STREAM, at={STREAM // 3: lambda: prod.kill("ingest-1")})
    eventually(lambda: metric(prod, "ingest-2", "onexp_readings_accepted_total") > survivor_before + STREAM // 3,
               "the survivor stores readings sent after the kill")  # fmt: skip
    prod.start_role("ingest-1")  # what compose's `restart: unless-stopped` does
    eventually(lambda: stored_readings(prod, SENSOR) == before + STREAM, f"{STREAM} stored with one worker killed")
    eventually(lambda: metric(prod, "ingest-1", "onexp_readings_accepted_total") > 0, "the restarted worker catches up")
    assert stored_readings(prod, SENSOR) == before + STREAM


def job_runs(prod: ProdLocal, role: str) -> float:
    return metric(prod, role, "onexp_job_runs_total", job="deliver_webhooks") + metric(
        prod, role, "onexp_job_runs_total", job="expire_holds"
    )


def book_a_hold(prod: ProdLocal) -> int:
    prod.onexp("users", "add", "holder@acme.example", "--org", "acme", "--role", "customer", "--password", "")
    token = prod.onexp("tokens", "create", "holder@acme.example").strip().splitlines()[-1]
    day = next_weekday(3)
    body = {
        "site": "la-coque", "space": "salle-frioul", "title": "Maybe", "attendees": 4, "hold": True,
        "start": iso(paris(day, 14)), "end": iso(paris(day, 15)),
    }  # fmt: skip
    headers = {"Authorization": f"Bearer {token}"}
    response = requests.post(
        prod.web_url + "/api/v1/bookings", json=body, headers=headers, timeout=30, verify=prod.ca_file
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_the_standby_scheduler_takes_over_from_a_killed_leader_and_no_job_runs_twice(prod):
    leader = eventually(
        lambda: next((r for r in ("scheduler-1", "scheduler-2") if job_runs(prod, r) > 0), None), "a scheduler leads"
    )
    standby = "scheduler-2" if leader == "scheduler-1" else "scheduler-1"
    leader_runs = job_runs(prod, leader)
    eventually(lambda: job_runs(prod, leader) > leader_runs, "the leader runs its jobs again")  # >= one more cycle
    assert job_runs(prod, standby) == 0  # while the leader lives, the standby runs nothing

    prod.kill(leader)
    killed_at = datetime.now()  # local, like the logs' times
    booking_id = book_a_hold(prod)
    sql(prod, "UPDATE bookings SET hold_expires_at = now() - interval '1 minute' WHERE id = %s", booking_id)
    eventually(lambda: job_runs(prod, standby) > 0, "the standby took over")
    eventually(
        lambda: sql(prod, "SELECT status FROM bookings WHERE id = %s", booking_id)[0][0] == "expired",
        "the standby expired the hold",
    )
    expiries = sql(prod, "SELECT count(*) FROM booking_events WHERE booking_id = %s AND action = 'expire'", booking_id)
    assert expiries == [(1,)]

    prod.start_role(leader)  # the old leader comes back as the standby
    runs = job_runs(prod, standby)
    eventually(lambda: job_runs(prod, standby) > runs, "the new leader keeps running its jobs")
    assert job_runs(prod, leader) == 0
    assert jobs_run_twice(leadership_terms(prod, {leader: [killed_at]})) == []  # never two leaders running a job

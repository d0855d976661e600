"""Sign-in throttling that an attacker cannot turn against a user, and password hashing
that a sign-in flood cannot use to stall signed-in users."""

from __future__ import annotations

import statistics
import threading
import time
import uuid

import httpx
from fastapi.testclient import TestClient

from strokescreen.app.auth import SignInThrottle
from strokescreen.app.main import create_app
from tests.app.app_helpers import PASSWORD, add_user, csrf_of
from tests.app.live_server import LiveServer


def _try(client: TestClient, name: str, password: str) -> int:
    token = csrf_of(client.get("/signin").text)
    return client.post("/signin", data={"username": name, "password": password,
                                        "csrf_token": token},
                       follow_redirects=False).status_code


def test_an_attacker_cannot_lock_a_user_out(client_for, data_dir):
    add_user(data_dir)
    attacker = client_for()
    user = TestClient(attacker.app, client=("10.0.0.7", 40000))
    codes = [_try(attacker, "alice", f"guess number {i}") for i in range(7)]
    assert codes[:5] == [401] * 5 and codes[5:] == [429, 429]
    assert _try(attacker, "alice", PASSWORD) == 429  # the failing client stays refused
    assert _try(user, "alice", PASSWORD) == 303  # the user, who has not been failing, is in
    # a wrong guess from a fresh client makes it a failing client: one guess, then refused
    other = TestClient(attacker.app, client=("10.0.0.8", 40000))
    assert [_try(other, "alice", "another guess") for _ in range(2)] == [401, 429]


def test_one_client_is_limited_whatever_names_it_tries(client_for, data_dir):
    add_user(data_dir)
    attacker = client_for()
    n = SignInThrottle.CLIENT_MAX_FAILURES
    codes = [_try(attacker, f"user{uuid.uuid4().hex[:8]}", "wrong password")
             for _ in range(n + 2)]
    assert codes[:n] == [401] * n and codes[n:] == [429, 429]
    assert _try(attacker, "alice", PASSWORD) == 429
    fresh = TestClient(attacker.app, client=("10.0.0.9", 40000))
    assert _try(fresh, "alice", PASSWORD) == 303


def test_a_flood_of_names_never_clears_a_lockout(monkeypatch):
    now = [1000.0]
    throttle = SignInThrottle(clock=lambda: now[0])
    monkeypatch.setattr(SignInThrottle, "MAX_ENTRIES", 50)
    for _ in range(5):
        throttle.failed("10.1.1.1", "Alice")
    assert throttle.blocked_for("10.1.1.1", "alice") > 0
    assert throttle.blocked_for("10.2.2.2", "alice") == 0  # a clean client may try
    for i in range(200):  # many clients, many names: more than the tables hold
        throttle.failed(f"10.3.{i // 250}.{i % 250}", f"name{i}")
    assert throttle.blocked_for("10.1.1.1", "alice") > 0
    now[0] += SignInThrottle.NAME_LOCKOUT_S + SignInThrottle.GLOBAL_WINDOW_S + 1
    assert throttle.blocked_for("10.2.2.2", "alice") == 0


def test_global_limit_refuses_failing_clients_under_a_distributed_attack():
    now = [0.0]
    throttle = SignInThrottle(clock=lambda: now[0])
    for i in range(SignInThrottle.GLOBAL_MAX_FAILURES):
        throttle.failed(f"10.4.{i // 250}.{i % 250}", "bob")
    assert throttle.blocked_for("10.4.0.1", "carol") > 0  # failed once: refused now
    assert throttle.blocked_for("10.5.0.1", "carol") == 0  # a clean client may sign in
    assert throttle.blocked_for("10.5.0.1", "bob") > 0  # a locked name is closed to all


def test_signin_flood_does_not_stall_signed_in_requests(settings_for, data_dir, monkeypatch):
    from argon2 import PasswordHasher

    from strokescreen.app import security

    hasher = PasswordHasher(time_cost=3, memory_cost=16384, parallelism=1)
    monkeypatch.setattr(security, "_hasher", hasher)
    add_user(data_dir, "alice")
    add_user(data_dir, "bob")
    stored = hasher.hash(PASSWORD)
    t0 = time.perf_counter()
    for _ in range(3):
        hasher.verify(stored, PASSWORD)
    hash_s = (time.perf_counter() - t0) / 3

    def signed_in(url: str, name: str) -> httpx.Client:
        c = httpx.Client(base_url=url, timeout=60)
        token = csrf_of(c.get("/signin").text)
        r = c.post("/signin", data={"username": name, "password": PASSWORD,
                                    "csrf_token": token})
        assert r.status_code == 303
        return c

    stop = threading.Event()

    def flood(url: str) -> None:  # correct sign-ins: nothing throttles them, all hash
        with httpx.Client(base_url=url, timeout=60) as c:
            for _ in range(200):
                if stop.is_set():
                    return
                c.cookies.clear()  # a new visitor each time
                token = csrf_of(c.get("/signin").text)
                c.post("/signin", data={"username": "bob", "password": PASSWORD,
                                        "csrf_token": token})

    with LiveServer(create_app(settings_for())) as url:
        alice = signed_in(url, "alice")
        idle = []
        for _ in range(5):
            t0 = time.perf_counter()
            alice.get("/assessments")
            idle.append(time.perf_counter() - t0)
        threads = [threading.Thread(target=flood, args=(url,)) for _ in range(4)]
        for t in threads:
            t.start()
        time.sleep(3 * hash_s)
        latencies = []
        try:
            for _ in range(15):
                t0 = time.perf_counter()
                assert alice.get("/assessments").status_code == 200
                latencies.append(time.perf_counter() - t0)
                time.sleep(0.02)
        finally:
            stop.set()
            for t in threads:
                t.join(60)
            alice.close()
    median = statistics.median(latencies)
    print(f"argon2 check {hash_s * 1000:.0f} ms; signed-in GET idle: median "
          f"{statistics.median(idle) * 1000:.0f} ms; during a 4-client sign-in flood: median "
          f"{median * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms")
    # a stalled event loop adds several hash times (all four floods' checks queue on it)
    assert median < statistics.median(idle) + hash_s, (median, idle, hash_s)

"""Leader election over real HTTP against kgen.testing's API server.

Candidates that only need to be stepped use a fake clock and call ``try_acquire_or_renew`` directly, so
expiry is decided by the test, not by wall time. Candidates that run their loop use short durations;
where a test must not depend on timing, their monotonic clock is frozen, so that a lease can change
hands only by being released, never by expiring. No test asserts on elapsed wall time: only on the order
of events and on the state of the Lease.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from kgen.runtime import (
    DEFAULT_LEASE_DURATION,
    DEFAULT_RENEW_DEADLINE,
    DEFAULT_RETRY_PERIOD,
    AsyncLeaderElector,
    AsyncRESTClient,
    AsyncTransport,
    Config,
    LeaderContext,
    LeaderElectionConfig,
    LeaderElector,
    LeaseLock,
    NotFound,
    load_kubeconfig,
)
from kgen.testing import APIServer

ROOT = Path(__file__).resolve().parents[2]
NS = "default"
FAST: dict[str, Any] = {"lease_duration": 1.5, "renew_deadline": 1.0, "retry_period": 0.2}
MICRO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")
PATIENCE = 15.0  # a safety net for waits that should end much sooner; never an assertion on time


# --- clocks -------------------------------------------------------------------------------------------


class FakeClock:
    """Time moves only when the test advances it (or when the elector sleeps)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.t = 1000.0
        self.start = start or datetime(2030, 1, 2, 3, 4, 5, 678901, tzinfo=timezone.utc)

    def monotonic(self) -> float:
        return self.t

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.t - 1000.0)

    async def sleep(self, seconds: float) -> None:
        self.t += seconds
        await asyncio.sleep(0)

    def advance(self, seconds: float) -> None:
        self.t += seconds


class FrozenClock:
    """Real sleeps and wall time, but a monotonic clock that never moves: no lease ever expires and no
    renewal deadline ever passes, so a lease changes hands only when it is released."""

    def monotonic(self) -> float:
        return 0.0

    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


# --- fixtures -----------------------------------------------------------------------------------------


@pytest.fixture
def server() -> Iterator[APIServer]:
    with APIServer.from_package("example_client") as api:
        yield api


@pytest.fixture
def kube_config(server: APIServer, tmp_path: Path) -> Config:
    config = load_kubeconfig(server.kubeconfig(tmp_path / "kubeconfig"))
    config.qps, config.burst = 1000.0, 1000
    return config


MakeTransport = Callable[..., AsyncTransport]


@pytest.fixture
async def transports(kube_config: Config) -> AsyncIterator[MakeTransport]:
    """One transport per candidate, as separate processes would have."""
    made: list[AsyncTransport] = []

    def make(gate: httpx.AsyncBaseTransport | None = None) -> AsyncTransport:
        transport = AsyncTransport(kube_config, transport=gate)
        made.append(transport)
        return transport

    yield make
    for transport in made:
        await transport.aclose()


@pytest.fixture
async def admin(transports: MakeTransport) -> AsyncRESTClient:
    """Reads and writes Leases behind the candidates' backs."""
    return AsyncRESTClient(transports(), "coordination.k8s.io", "v1")


Spawn = Callable[[AsyncLeaderElector], "asyncio.Task[None]"]


@pytest.fixture
async def spawn(transports: MakeTransport) -> AsyncIterator[Spawn]:
    """Start ``run()`` as a task; whatever is still running is cancelled at the end of the test."""
    tasks: list[asyncio.Task[None]] = []

    def start(elector: AsyncLeaderElector) -> asyncio.Task[None]:
        task = asyncio.ensure_future(elector.run())
        tasks.append(task)
        return task

    yield start
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


# --- helpers ------------------------------------------------------------------------------------------


class Recorder:
    """Callbacks of several candidates, in one ordered list of (identity, event)."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []
        self.new_leaders: dict[str, list[str]] = {}
        self.lock = threading.Lock()

    def record(self, identity: str, event: str) -> None:
        with self.lock:
            self.events.append((identity, event))

    def config(
        self, identity: str, lease: str, clock_free: bool = False, **options: Any
    ) -> LeaderElectionConfig:
        self.new_leaders[identity] = []

        async def lead(ctx: LeaderContext) -> None:
            assert ctx.identity == identity and ctx.leading
            self.record(identity, "started")
            try:
                await ctx.async_wait()
                await asyncio.Event().wait()  # the elector cancels the work; it never ends by itself
            finally:
                assert not ctx.leading
                self.record(identity, "work ended")

        def stopped() -> None:
            self.record(identity, "stopped")

        def new_leader(holder: str) -> None:
            self.new_leaders[identity].append(holder)

        settings: dict[str, Any] = {**FAST, **options}
        return LeaderElectionConfig(
            lock=LeaseLock(NS, lease, identity),
            on_started_leading=lead,
            on_stopped_leading=stopped,
            on_new_leader=new_leader,
            **settings,
        )

    def leaders(self) -> list[str]:
        return [who for who, event in self.events if event == "started"]

    def count(self, identity: str, event: str) -> int:
        return self.events.count((identity, event))


def assert_one_leader_at_a_time(events: list[tuple[str, str]]) -> None:
    """Every start follows the previous leader's stop, and its work ended before anyone else started."""
    active: str | None = None
    working: set[str] = set()
    for who, event in events:
        if event == "started":
            assert active is None and not working, f"{who} started while {active} led: {events}"
            active = who
            working.add(who)
        elif event == "stopped":
            assert active == who, f"{who} stopped without leading: {events}"
            active = None
        elif event == "work ended":
            working.discard(who)


async def eventually(predicate: Callable[[], bool], what: str) -> None:
    deadline = asyncio.get_running_loop().time() + PATIENCE
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"timed out waiting until {what}")
        await asyncio.sleep(0.02)


async def read_lease(admin: AsyncRESTClient, name: str) -> dict[str, Any]:
    raw = await admin.get().namespace(NS).resource("leases").name(name).do_raw()
    lease: dict[str, Any] = json.loads(raw)
    return lease


async def write_lease(admin: AsyncRESTClient, name: str, spec: dict[str, Any]) -> None:
    """Create the Lease, or replace its spec (as another program would)."""
    try:
        lease = await read_lease(admin, name)
    except NotFound:
        body = {
            "apiVersion": "coordination.k8s.io/v1",
            "kind": "Lease",
            "metadata": {"name": name, "namespace": NS},
            "spec": spec,
        }
        await admin.post().namespace(NS).resource("leases").body(body).do()
        return
    lease["spec"] = spec
    await admin.put().namespace(NS).resource("leases").name(name).body(lease).do()


def stepped(
    transport: AsyncTransport, identity: str, lease: str, clock: FakeClock
) -> AsyncLeaderElector:
    config = LeaderElectionConfig(
        lock=LeaseLock(NS, lease, identity),
        on_started_leading=lambda ctx: None,
        on_stopped_leading=lambda: None,
        **FAST,
    )
    return AsyncLeaderElector(transport, config, clock=clock)


class Gate(httpx.AsyncBaseTransport):
    """An HTTP transport whose requests hang while the gate is closed: a leader cut off from the server."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.open = asyncio.Event()
        self.open.set()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await self.open.wait()
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


class ReadBarrier:
    """Holds the answers to the first ``parties`` GETs of ``path`` until all of them were answered.

    Holding the answers, not the requests: with the requests held, both were released together, yet
    on a loaded machine one candidate's read and update could still reach the server before the
    other's read did, and that read then saw the winner's lease.
    """

    def __init__(self, parties: int, *, path: str) -> None:
        self.parties = parties
        self.path = path
        self.arrived = 0
        self.all_answered = asyncio.Event()

    def gate(self) -> httpx.AsyncBaseTransport:
        barrier = self

        class _Held(httpx.AsyncBaseTransport):
            def __init__(self) -> None:
                self.inner = httpx.AsyncHTTPTransport()

            async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
                held = request.method == "GET" and request.url.path.endswith(barrier.path)
                response = await self.inner.handle_async_request(request)
                if held and barrier.arrived < barrier.parties:
                    await response.aread()
                    barrier.arrived += 1
                    if barrier.arrived == barrier.parties:
                        barrier.all_answered.set()
                    await asyncio.wait_for(barrier.all_answered.wait(), timeout=30)
                return response

            async def aclose(self) -> None:
                await self.inner.aclose()

        return _Held()


# --- configuration ------------------------------------------------------------------------------------


def _config(**options: Any) -> LeaderElectionConfig:
    settings: dict[str, Any] = {
        "lock": LeaseLock(NS, "lock", "me"),
        "on_started_leading": lambda ctx: None,
        "on_stopped_leading": lambda: None,
        **options,
    }
    return LeaderElectionConfig(**settings)


def test_defaults_are_client_gos() -> None:
    config = _config()
    assert (config.lease_duration, config.renew_deadline, config.retry_period) == (15.0, 10.0, 2.0)
    assert (DEFAULT_LEASE_DURATION, DEFAULT_RENEW_DEADLINE, DEFAULT_RETRY_PERIOD) == (15, 10, 2)
    assert config.lease_seconds == 15
    assert not config.release_on_cancel and not config.run_forever
    # The wire field is whole seconds; rounding down would let others take over too early.
    assert _config(**FAST).lease_seconds == 2


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"lease_duration": 10.0, "renew_deadline": 10.0}, "lease_duration must be greater than"),
        ({"lease_duration": 5.0, "renew_deadline": 8.0}, "lease_duration must be greater than"),
        ({"renew_deadline": 2.4, "retry_period": 2.0}, r"retry_period \* 1.2"),
        ({"lease_duration": 0.0}, "lease_duration must be greater than zero"),
        ({"renew_deadline": -1.0}, "renew_deadline must be greater than zero"),
        ({"retry_period": 0}, "retry_period must be greater than zero"),
        ({"retry_period": float("nan")}, "retry_period must be greater than zero"),
        ({"on_started_leading": None}, "on_started_leading is required"),
        ({"on_stopped_leading": None}, "on_stopped_leading is required"),
        ({"on_new_leader": 42}, "on_new_leader must be callable"),
        ({"lock": LeaseLock(NS, "lock", "")}, "identity is empty"),
        ({"lock": LeaseLock("", "lock", "me")}, "namespace and a name"),
    ],
)
def test_invalid_configurations_are_refused(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _config(**options)


# --- one attempt at a time (fake clocks) --------------------------------------------------------------


async def test_lease_is_created_then_others_wait_for_it_to_expire_on_their_own_clock(
    transports: MakeTransport, admin: AsyncRESTClient
) -> None:
    a_clock, b_clock = FakeClock(), FakeClock()
    a = stepped(transports(), "a", "lock", a_clock)
    b = stepped(transports(), "b", "lock", b_clock)

    assert await a.try_acquire_or_renew()
    assert a.leader == "a" and not a.is_leader  # is_leader means leading in run(), not holding
    assert not await b.try_acquire_or_renew()
    assert b.leader == "a"

    b_clock.advance(1.9)  # the record says 2 s (1.5 rounded up); b saw it 1.9 s ago
    assert not await b.try_acquire_or_renew()
    b_clock.advance(0.2)
    assert await b.try_acquire_or_renew()
    assert b.leader == "b"

    # a's clock has not moved, so its optimistic renewal is tried: it gets 409 and a reads the lease.
    assert not await a.try_acquire_or_renew()
    assert a.leader == "b"
    spec = (await read_lease(admin, "lock"))["spec"]
    assert spec["holderIdentity"] == "b" and spec["leaseTransitions"] == 1


async def test_a_lease_that_cannot_be_created_is_an_error_saying_why(
    caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    # A server without coordination.k8s.io (a package generated from CRDs only) answers 404 for ever.
    with APIServer.from_inputs(crds=[ROOT / "specs" / "example-crds"]) as bare:
        config = load_kubeconfig(bare.kubeconfig(tmp_path / "bare"))
        async with AsyncTransport(config) as transport:
            elector = stepped(transport, "a", "lock", FakeClock())
            with caplog.at_level(logging.INFO, logger="kgen.runtime.leaderelection"):
                assert not await elector.try_acquire_or_renew()
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert errors and "is coordination.k8s.io/v1 leases served" in errors[0].getMessage()


@pytest.mark.parametrize("renew_year", [2000, 2100], ids=["renewTime-long-ago", "renewTime-ahead"])
async def test_expiry_ignores_the_timestamps_in_the_lease(
    transports: MakeTransport, admin: AsyncRESTClient, renew_year: int
) -> None:
    stamp = f"{renew_year}-01-01T00:00:00.000000Z"
    await write_lease(
        admin,
        "skewed",
        {
            "holderIdentity": "ghost",
            "leaseDurationSeconds": 2,
            "acquireTime": stamp,
            "renewTime": stamp,
            "leaseTransitions": 5,
        },
    )
    clock = FakeClock()
    b = stepped(transports(), "b", "skewed", clock)
    # Long expired or far in the future by the holder's clock: either way it counts from when b saw it.
    assert not await b.try_acquire_or_renew()
    clock.advance(1.99)
    assert not await b.try_acquire_or_renew()
    clock.advance(0.02)
    assert await b.try_acquire_or_renew()
    spec = (await read_lease(admin, "skewed"))["spec"]
    assert spec["holderIdentity"] == "b" and spec["leaseTransitions"] == 6


async def test_a_changing_record_restarts_the_wait(
    transports: MakeTransport, admin: AsyncRESTClient
) -> None:
    a_clock, b_clock = FakeClock(), FakeClock()
    a = stepped(transports(), "a", "lock", a_clock)
    b = stepped(transports(), "b", "lock", b_clock)
    assert await a.try_acquire_or_renew()
    assert not await b.try_acquire_or_renew()
    b_clock.advance(1.5)
    a_clock.advance(1.0)
    assert await a.try_acquire_or_renew()  # a renews: renewTime changes
    assert not await b.try_acquire_or_renew()  # b sees the change: 2 s from now again
    b_clock.advance(1.5)
    assert not await b.try_acquire_or_renew()
    b_clock.advance(0.6)
    assert await b.try_acquire_or_renew()


async def test_lease_transitions_count_changes_of_holder_as_client_go_does(
    transports: MakeTransport, admin: AsyncRESTClient
) -> None:
    a_clock, b_clock = FakeClock(), FakeClock()
    a = stepped(transports(), "a", "lock", a_clock)
    b = stepped(transports(), "b", "lock", b_clock)

    async def spec() -> dict[str, Any]:
        value: dict[str, Any] = (await read_lease(admin, "lock"))["spec"]
        return value

    # Created: no transition yet; acquireTime and renewTime are the same instant.
    assert await a.try_acquire_or_renew()
    created = await spec()
    assert created["leaseTransitions"] == 0 and created["acquireTime"] == created["renewTime"]

    # Renewed: same count and acquireTime, later renewTime.
    a_clock.advance(0.5)
    assert await a.try_acquire_or_renew()
    renewed = await spec()
    assert renewed["leaseTransitions"] == 0
    assert renewed["acquireTime"] == created["acquireTime"]
    assert renewed["renewTime"] > created["renewTime"]

    # Released: holder "" for 1 s, the count unchanged; anyone may take it at once.
    assert await a.release()
    released = await spec()
    assert released["holderIdentity"] == "" and released["leaseDurationSeconds"] == 1
    assert released["leaseTransitions"] == 0
    assert a.leader is None

    # Taken after a release: +1, new acquireTime.
    b_clock.advance(0.7)
    assert await b.try_acquire_or_renew()
    taken = await spec()
    assert taken["holderIdentity"] == "b" and taken["leaseTransitions"] == 1
    assert taken["acquireTime"] == taken["renewTime"] == "2030-01-02T03:04:06.378901Z"

    # b vanishes without releasing; a takes the expired lease: +1 again.
    assert not await a.try_acquire_or_renew()
    a_clock.advance(2.5)
    assert await a.try_acquire_or_renew()
    assert (await spec())["leaseTransitions"] == 2

    # A restarted "a" (new process, same identity) finds its own record and carries on: no transition,
    # the acquireTime kept, and no waiting for expiry.
    before = await spec()
    restarted = stepped(transports(), "a", "lock", FakeClock())
    assert await restarted.try_acquire_or_renew()
    after = await spec()
    assert after["leaseTransitions"] == 2 and after["acquireTime"] == before["acquireTime"]

    # Giving a released lease back to the same identity still counts as a transition.
    assert await restarted.release()
    assert await restarted.try_acquire_or_renew()
    assert (await spec())["leaseTransitions"] == 3


async def test_times_go_on_the_wire_with_six_fractional_digits(
    transports: MakeTransport, admin: AsyncRESTClient
) -> None:
    # A whole second is where an encoder would drop the fraction, which the API server rejects.
    clock = FakeClock(start=datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc))
    a = stepped(transports(), "a", "lock", clock)
    assert await a.try_acquire_or_renew()
    spec = (await read_lease(admin, "lock"))["spec"]
    assert spec["acquireTime"] == spec["renewTime"] == "2030-01-02T03:04:05.000000Z"
    clock.advance(1.25)
    assert await a.try_acquire_or_renew()
    spec = (await read_lease(admin, "lock"))["spec"]
    assert spec["renewTime"] == "2030-01-02T03:04:06.250000Z"
    assert spec["acquireTime"] == "2030-01-02T03:04:05.000000Z"


async def test_a_race_to_create_the_lease_has_one_winner(
    server: APIServer, transports: MakeTransport, admin: AsyncRESTClient
) -> None:
    # Neither read is answered before both were: both find no lease, both create it.
    both_read = ReadBarrier(2, path="/leases/race")
    a = stepped(transports(both_read.gate()), "a", "race", FakeClock())
    b = stepped(transports(both_read.gate()), "b", "race", FakeClock())
    results = await asyncio.gather(a.try_acquire_or_renew(), b.try_acquire_or_renew())
    assert sorted(results) == [False, True]
    creates = [r for r in server.faults.requests if r.method == "POST" and "leases" in r.path]
    assert sorted(r.code for r in creates) == [201, 409]
    winner, loser = (a, b) if results[0] else (b, a)
    assert (await read_lease(admin, "race"))["spec"]["holderIdentity"] == winner.identity
    assert not await loser.try_acquire_or_renew()
    assert loser.leader == winner.identity


async def test_a_race_to_take_a_free_lease_has_one_winner(
    server: APIServer, transports: MakeTransport, admin: AsyncRESTClient
) -> None:
    await write_lease(admin, "race", {"holderIdentity": "", "leaseTransitions": 4})
    # Neither candidate gets its read's answer before the server has answered both, so both read the
    # same resourceVersion and update with it: the second update gets 409 Conflict. (A fixed delay on
    # the reads was not enough on a loaded machine: a late reader saw the winner's lease and sent
    # nothing.)
    both_read = ReadBarrier(2, path="/leases/race")
    a = stepped(transports(both_read.gate()), "a", "race", FakeClock())
    b = stepped(transports(both_read.gate()), "b", "race", FakeClock())
    results = await asyncio.gather(a.try_acquire_or_renew(), b.try_acquire_or_renew())
    assert sorted(results) == [False, True]
    updates = [r for r in server.faults.requests if r.method == "PUT" and "leases" in r.path]
    assert sorted(r.code for r in updates) == [200, 409]
    spec = (await read_lease(admin, "race"))["spec"]
    winner = "a" if results[0] else "b"
    assert spec["holderIdentity"] == winner and spec["leaseTransitions"] == 5


# --- running candidates -------------------------------------------------------------------------------


async def test_candidates_take_turns_one_leader_at_a_time(
    transports: MakeTransport, admin: AsyncRESTClient, spawn: Spawn
) -> None:
    recorder = Recorder()
    electors = {
        name: AsyncLeaderElector(
            transports(),
            recorder.config(name, "turns", release_on_cancel=True),
            clock=FrozenClock(),  # the lease can change hands only by being released
        )
        for name in ("a", "b", "c")
    }
    tasks = {name: spawn(elector) for name, elector in electors.items()}

    order: list[str] = []
    for turn in range(3):
        await eventually(lambda: len(recorder.leaders()) == turn + 1, f"leader {turn + 1} started")
        leader = recorder.leaders()[-1]
        order.append(leader)
        assert [n for n, e in electors.items() if e.is_leader] == [leader]
        lease = await read_lease(admin, "turns")
        assert lease["spec"]["holderIdentity"] == leader
        assert lease["spec"]["leaseTransitions"] == turn
        # Hand over only once every remaining candidate has seen this leader.
        waiting = [n for n in electors if n not in order]
        await eventually(
            lambda: all(leader in recorder.new_leaders[n] for n in waiting),
            f"the others saw {leader}",
        )
        tasks[leader].cancel()
        with pytest.raises(asyncio.CancelledError):
            await tasks[leader]
        assert (leader, "stopped") in recorder.events and (leader, "work ended") in recorder.events
        assert not electors[leader].is_leader

    assert sorted(order) == ["a", "b", "c"]
    assert_one_leader_at_a_time(recorder.events)
    # Each saw the leaders in turn, itself included, from when it started until it stopped.
    for position, name in enumerate(order):
        assert recorder.new_leaders[name] == order[: position + 1]
    final = (await read_lease(admin, "turns"))["spec"]
    assert final["holderIdentity"] == "" and final["leaseDurationSeconds"] == 1


async def test_the_leader_renews_and_renew_time_advances_on_the_wire(
    transports: MakeTransport, admin: AsyncRESTClient, spawn: Spawn
) -> None:
    recorder = Recorder()
    spawn(AsyncLeaderElector(transports(), recorder.config("a", "renewing")))
    await eventually(lambda: recorder.leaders() == ["a"], "a leads")
    first = (await read_lease(admin, "renewing"))["spec"]
    seen = [first["renewTime"]]

    async def renewed() -> bool:
        seen.append((await read_lease(admin, "renewing"))["spec"]["renewTime"])
        return len(set(seen)) >= 3

    for _ in range(int(PATIENCE / 0.05)):
        if await renewed():
            break
        await asyncio.sleep(0.05)
    distinct = sorted(set(seen))
    assert len(distinct) >= 3, "the leader did not renew"
    assert all(MICRO_TIME.match(value) for value in distinct), distinct
    last = (await read_lease(admin, "renewing"))["spec"]
    assert last["acquireTime"] == first["acquireTime"] and MICRO_TIME.match(last["acquireTime"])
    assert last["holderIdentity"] == "a" and last["leaseDurationSeconds"] == 2
    assert last["leaseTransitions"] == 0
    assert recorder.events == [("a", "started")]


async def test_a_leader_that_cannot_renew_stops_and_a_follower_takes_over(
    server: APIServer, transports: MakeTransport, admin: AsyncRESTClient, spawn: Spawn
) -> None:
    recorder = Recorder()
    a = AsyncLeaderElector(transports(), recorder.config("a", "failing"))
    a_task = spawn(a)
    await eventually(lambda: recorder.leaders() == ["a"], "a leads")
    b = AsyncLeaderElector(transports(), recorder.config("b", "failing"))
    spawn(b)
    await eventually(lambda: recorder.new_leaders["b"] == ["a"], "b saw a")

    # Every write of the lease fails now: a's renewals, and b's attempts once the lease expires.
    server.faults.fail(count=10**6, code=500, verb="update", path="/leases/failing")
    await eventually(a_task.done, "a's run() returned")
    assert a_task.exception() is None  # run() returns after losing leadership, as client-go's Run
    assert recorder.events == [("a", "started"), ("a", "stopped"), ("a", "work ended")]
    assert not a.is_leader and not b.is_leader
    # a could not write anything: the lease still names it, and b must wait for it to expire.
    assert (await read_lease(admin, "failing"))["spec"]["holderIdentity"] == "a"

    server.faults.clear()
    await eventually(lambda: recorder.leaders() == ["a", "b"], "b leads")
    assert_one_leader_at_a_time(recorder.events)
    spec = (await read_lease(admin, "failing"))["spec"]
    assert spec["holderIdentity"] == "b" and spec["leaseTransitions"] == 1
    assert b.is_leader and b.leader == "b"


async def test_a_leader_cut_off_from_the_server_stops_before_a_follower_takes_over(
    transports: MakeTransport, admin: AsyncRESTClient, spawn: Spawn
) -> None:
    recorder = Recorder()
    gate = Gate()
    a_task = spawn(AsyncLeaderElector(transports(gate), recorder.config("a", "cut")))
    await eventually(lambda: recorder.leaders() == ["a"], "a leads")
    b = AsyncLeaderElector(transports(), recorder.config("b", "cut"))
    spawn(b)
    await eventually(lambda: recorder.new_leaders["b"] == ["a"], "b saw a")

    gate.open.clear()  # a's requests now hang; b's still get answers
    await eventually(lambda: recorder.leaders() == ["a", "b"], "b leads")
    # a gave up at its deadline with a request still hanging, before b's wait for expiry was over.
    assert_one_leader_at_a_time(recorder.events)
    assert recorder.events.index(("a", "stopped")) < recorder.events.index(("b", "started"))
    assert a_task.done() and a_task.exception() is None
    gate.open.set()


class SlowAnswers(httpx.AsyncBaseTransport):
    """Writes of the Lease land at once but are answered ``delays[i]`` seconds (of the fake clock) later.

    Records the fake time each successful write was sent, so a test can check how long a leader led
    on the strength of it.
    """

    def __init__(self, clock: FakeClock, delays: list[float]) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.clock = clock
        self.delays = delays
        self.writes_sent: list[float] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        sent = self.clock.monotonic()
        response = await self.inner.handle_async_request(request)
        if request.method in ("POST", "PUT") and "/leases" in request.url.path:
            if response.status_code < 300:
                self.writes_sent.append(sent)
            self.clock.advance(self.delays.pop(0) if self.delays else 0.0)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest.mark.parametrize(
    "delays",
    [
        pytest.param([2.3], id="acquiring-answer-slow"),
        pytest.param([0.0, 2.3, 2.3, 2.3], id="renewal-answers-slow"),
        pytest.param([2.49], id="acquiring-answer-just-inside"),
    ],
)
async def test_a_slowly_answered_leader_stops_at_the_renew_deadline(
    transports: MakeTransport, delays: list[float]
) -> None:
    # The configuration: lease 3 s, deadline 2.5 s, retry 2 s (validation accepts it).
    clock = FakeClock()
    slow = SlowAnswers(clock, list(delays))
    stops: list[float] = []
    config = LeaderElectionConfig(
        lock=LeaseLock(NS, "slow", "a"),
        on_started_leading=lambda ctx: None,
        on_stopped_leading=lambda: stops.append(clock.monotonic()),
        lease_duration=3.0,
        renew_deadline=2.5,
        retry_period=2.0,
    )
    elector = AsyncLeaderElector(transports(slow), config, clock=clock)
    await asyncio.wait_for(elector.run(), timeout=PATIENCE)

    assert stops, "the leader never stopped"
    last_write = max(sent for sent in slow.writes_sent if sent <= stops[0])
    # Other candidates saw the last write no earlier than it was sent, and may take the lease
    # lease_duration after that; the leader must have stopped by renew_deadline after it.
    assert stops[0] - last_write <= config.renew_deadline + 1e-9, (stops, slow.writes_sent)


async def test_a_leader_that_finds_another_holder_stops_at_once(
    transports: MakeTransport, admin: AsyncRESTClient, spawn: Spawn
) -> None:
    recorder = Recorder()
    seen: list[str] = []

    async def new_leader(holder: str) -> None:
        seen.append(holder)

    config = recorder.config("a", "taken")
    config = LeaderElectionConfig(
        lock=config.lock,
        on_started_leading=config.on_started_leading,
        on_stopped_leading=config.on_stopped_leading,
        on_new_leader=new_leader,
        **FAST,
    )
    # With a frozen clock the renewal deadline never passes: only seeing the intruder can stop a.
    a = AsyncLeaderElector(transports(), config, clock=FrozenClock())
    a_task = spawn(a)
    await eventually(lambda: recorder.leaders() == ["a"], "a leads")
    lease = await read_lease(admin, "taken")
    await write_lease(admin, "taken", {**lease["spec"], "holderIdentity": "intruder"})
    await eventually(a_task.done, "a's run() returned")
    assert recorder.events == [("a", "started"), ("a", "stopped"), ("a", "work ended")]
    assert seen == ["a", "intruder"]
    assert a.leader == "intruder" and not a.is_leader


async def test_a_cancelled_leader_releases_and_a_follower_takes_over_without_waiting(
    transports: MakeTransport, admin: AsyncRESTClient, spawn: Spawn
) -> None:
    recorder = Recorder()
    a = AsyncLeaderElector(
        transports(), recorder.config("a", "handover", release_on_cancel=True), clock=FrozenClock()
    )
    a_task = spawn(a)
    await eventually(lambda: recorder.leaders() == ["a"], "a leads")
    # b's clock never moves: it can only get a lease that was given up.
    b = AsyncLeaderElector(transports(), recorder.config("b", "handover"), clock=FrozenClock())
    spawn(b)
    await eventually(lambda: recorder.new_leaders["b"] == ["a"], "b saw a")

    a_task.cancel()
    await eventually(lambda: recorder.leaders() == ["a", "b"], "b leads")
    assert a_task.cancelled()
    assert_one_leader_at_a_time(recorder.events)
    spec = (await read_lease(admin, "handover"))["spec"]
    assert spec["holderIdentity"] == "b" and spec["leaseTransitions"] == 1


async def test_without_release_on_cancel_the_lease_is_kept(
    transports: MakeTransport, admin: AsyncRESTClient, spawn: Spawn
) -> None:
    recorder = Recorder()
    a_task = spawn(AsyncLeaderElector(transports(), recorder.config("a", "kept")))
    await eventually(lambda: recorder.leaders() == ["a"], "a leads")
    a_task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await a_task
    assert recorder.events == [("a", "started"), ("a", "stopped"), ("a", "work ended")]
    assert (await read_lease(admin, "kept"))["spec"]["holderIdentity"] == "a"


async def test_a_failing_leader_stops_leading_and_run_raises(
    transports: MakeTransport, admin: AsyncRESTClient
) -> None:
    stopped: list[str] = []

    async def lead(ctx: LeaderContext) -> None:
        await asyncio.sleep(0)
        raise RuntimeError("boom")

    config = LeaderElectionConfig(
        lock=LeaseLock(NS, "crash", "a"),
        on_started_leading=lead,
        on_stopped_leading=lambda: stopped.append("a"),
        release_on_cancel=True,
        **FAST,
    )
    elector = AsyncLeaderElector(transports(), config)
    with pytest.raises(RuntimeError, match="boom"):
        await asyncio.wait_for(elector.run(), PATIENCE)
    assert stopped == ["a"] and not elector.is_leader
    assert (await read_lease(admin, "crash"))["spec"]["holderIdentity"] == ""


async def test_work_that_returns_keeps_the_lease_and_run_cannot_start_twice(
    transports: MakeTransport, admin: AsyncRESTClient, spawn: Spawn
) -> None:
    started: list[str] = []

    async def lead(ctx: LeaderContext) -> None:
        started.append(ctx.identity)  # starts things and returns, as many controllers do

    config = LeaderElectionConfig(
        lock=LeaseLock(NS, "returns", "a"),
        on_started_leading=lead,
        on_stopped_leading=lambda: None,
        **FAST,
    )
    elector = AsyncLeaderElector(transports(), config)
    spawn(elector)
    await eventually(lambda: started == ["a"], "a leads")
    first = (await read_lease(admin, "returns"))["spec"]["renewTime"]
    await eventually(lambda: elector.observed_record is not None, "a observed")

    async def renew_time() -> str:
        value: str = (await read_lease(admin, "returns"))["spec"]["renewTime"]
        return value

    for _ in range(int(PATIENCE / 0.05)):
        if await renew_time() != first:
            break
        await asyncio.sleep(0.05)
    assert await renew_time() != first and elector.is_leader
    with pytest.raises(RuntimeError, match="already running"):
        await elector.run()


async def test_run_forever_competes_again_after_losing(
    transports: MakeTransport, admin: AsyncRESTClient, spawn: Spawn
) -> None:
    recorder = Recorder()
    a = AsyncLeaderElector(
        transports(), recorder.config("a", "forever", run_forever=True), clock=FrozenClock()
    )
    a_task = spawn(a)
    await eventually(lambda: recorder.leaders() == ["a"], "a leads")
    lease = await read_lease(admin, "forever")
    await write_lease(admin, "forever", {**lease["spec"], "holderIdentity": "intruder"})
    await eventually(lambda: recorder.count("a", "stopped") == 1, "a stopped")
    assert not a_task.done() and a.leader == "intruder"
    # The intruder gives the lease up; a, still competing, takes it again.
    lease = await read_lease(admin, "forever")
    await write_lease(admin, "forever", {**lease["spec"], "holderIdentity": ""})
    await eventually(lambda: recorder.leaders() == ["a", "a"], "a leads again")
    assert_one_leader_at_a_time(recorder.events)
    assert recorder.new_leaders["a"] == ["a", "intruder", "a"]


async def test_a_blocking_on_started_leading_runs_in_a_thread_told_through_ctx(
    transports: MakeTransport, admin: AsyncRESTClient
) -> None:
    loop_thread = threading.get_ident()
    log: list[str] = []

    def lead(ctx: LeaderContext) -> None:
        assert threading.get_ident() != loop_thread
        log.append("started")
        assert ctx.wait(PATIENCE)  # returns once leadership is lost
        log.append("work ended")

    config = LeaderElectionConfig(
        lock=LeaseLock(NS, "blocking", "a"),
        on_started_leading=lead,
        on_stopped_leading=lambda: log.append("stopped"),
        release_on_cancel=True,
        **FAST,
    )
    task = asyncio.ensure_future(AsyncLeaderElector(transports(), config).run())
    await eventually(lambda: log == ["started"], "a leads")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # The lease was released only after the thread had returned.
    assert log == ["started", "stopped", "work ended"]
    assert (await read_lease(admin, "blocking"))["spec"]["holderIdentity"] == ""


# --- from a program that is not async ------------------------------------------------------------------


def test_elector_threads_for_sync_programs(kube_config: Config, server: APIServer) -> None:
    recorder = Recorder()
    leading = {name: threading.Event() for name in ("a", "b")}

    def make(name: str) -> LeaderElector:
        def lead(ctx: LeaderContext) -> None:
            recorder.record(name, "started")
            leading[name].set()
            ctx.wait()
            recorder.record(name, "work ended")

        config = LeaderElectionConfig(
            lock=LeaseLock(NS, "threads", name),
            on_started_leading=lead,
            on_stopped_leading=lambda: recorder.record(name, "stopped"),
            release_on_cancel=True,
            **FAST,
        )
        return LeaderElector(kube_config, config, clock=FrozenClock())

    with make("a") as a:
        assert leading["a"].wait(PATIENCE) and a.is_leader and a.leader == "a"
        with make("b") as b:
            assert not b.is_leader
            assert a.stop(PATIENCE) and not a.running and a.exception is None
            assert leading["b"].wait(PATIENCE) and b.is_leader and b.leader == "b"
        assert not b.running and b.exception is None
    assert recorder.events == [
        ("a", "started"),
        ("a", "stopped"),
        ("a", "work ended"),
        ("b", "started"),
        ("b", "stopped"),
        ("b", "work ended"),
    ]
    with httpx.Client(base_url=server.url, headers=server.headers()) as http:
        lease = http.get(f"/apis/coordination.k8s.io/v1/namespaces/{NS}/leases/threads").json()
    assert lease["spec"]["holderIdentity"] == "" and lease["spec"]["leaseTransitions"] == 1

"""Live rebuild: replay every topic from offset 0 into a new generation, then swap it in.

`Rebuild` runs a service's projection consumers, committing under the new generation's own
consumer groups, against the new generation's tables until they have read every partition to
its end, then swaps the generation in with one committed row. It splits the partitions between
its own process and helper processes (`shared.rebuild_workers`), so that more than one core
reads the topics; each reads its share outside the groups' membership, so no rebalance moves a
partition halfway. Events that arrive meanwhile are read by both generations; after the swap
the new generation's groups go on from the offsets the rebuild committed, so nothing is lost
between them. If the rebuild fails, or
an operator aborts it, its tables are dropped and the live generation never changed.

`Follower` keeps a service process's consumers on the live generation: it starts them, and
moves them over when a rebuild (in this process, another replica, or `ccn rebuild`) swaps.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence

from aiokafka import TopicPartition

from shared import metrics
from shared.consumer import EventConsumer
from shared.db import Database
from shared.generations import Generation, Generations, State
from shared.kafka import Offsets, offsets_reader
from shared.rebuild_workers import HelperFailed, Helpers, split

log = logging.getLogger(__name__)

CAUGHT_UP_LOOK_S = 0.1
"""How often a rebuild looks whether its consumers have reached the ends it saw last."""

ConsumersOf = Callable[[Database, Generation], Sequence[EventConsumer]]
Migrate = Callable[[Database], Awaitable[None]]
Progress = Callable[[Generation], None]
HelpersOf = Callable[[Generation], Helpers]
OffsetsReader = Callable[[Iterable[str]], Awaitable[Offsets]]
Reads = dict[tuple[str, TopicPartition], int]
"""Each consumer group's partition to read, with how many events it held at the start."""


class Aborted(Exception):
    """An operator asked the rebuild to stop."""


class Rebuild:
    """One rebuild of a service's projections, from offset 0 to a swap."""

    def __init__(
        self,
        generations: Generations,
        consumers_of: ConsumersOf,
        migrate: Migrate,
        bootstrap_servers: str,
        *,
        service: str,
        progress: Progress = lambda _: None,
        tick_s: float = 1.0,
        helpers_of: HelpersOf | None = None,
    ) -> None:
        self.generations = generations
        self.consumers_of = consumers_of
        self.migrate = migrate
        self.bootstrap_servers = bootstrap_servers
        self.service = service
        self.progress = progress
        self.tick_s = tick_s
        self.helpers_of = helpers_of

    async def begin(self, requested_by: str) -> Generation:
        """Start a new generation (409 while another is building); `build` fills it."""
        generation = await self.generations.begin(requested_by)
        dropped = await self.generations.drop_retired()
        if dropped:
            log.info("rebuild of %s: dropped retired generations %s", self.service, dropped)
        return generation

    async def run(self, requested_by: str) -> Generation:
        return await self.build(await self.begin(requested_by))

    async def build(self, generation: Generation) -> Generation:
        """Fill `generation` from offset 0, and swap it in once it has caught up."""
        consumers: list[EventConsumer] = []
        helpers = self.helpers_of(generation) if self.helpers_of else Helpers([], {}, 0)
        try:
            await helpers.start()
            database = self.generations.database(generation)
            await self.migrate(database)
            mine = self.consumers_of(database, generation)
            async with offsets_reader(self.bootstrap_servers) as offsets:
                reads = _reads(mine, *await offsets(_topics(mine)))
                shares = split(reads, helpers.count + 1)
                # This process reads every share until the helpers are ready for theirs.
                stand_ins = [self.consumers_of(database, generation) for _ in shares[1:]]
                for share, readers in zip(shares, [mine, *stand_ins], strict=True):
                    for consumer in readers:
                        consumer.read_only(share.get(consumer.group_id, ()))
                        consumers.append(consumer)
                        consumer.start()
                try:
                    await helpers.go(shares[1:], stand_ins)
                except HelperFailed:
                    # A helper that finds its generation no longer building exits at once.
                    if (await self.generations.get(generation.id)).state is State.ABORTING:
                        raise Aborted("an operator stopped it") from None
                    raise
                await self._until_caught_up(generation, consumers, helpers, offsets, reads)
            live = await self.generations.swap(generation)
        except BaseException as exc:
            log.error("rebuild of %s failed; the live one serves on: %r", self.service, exc)
            await asyncio.shield(self._fail(generation, consumers, helpers, exc))
            raise
        finally:
            metrics.REBUILD_EVENTS.labels(self.service, "done").set(0)
            metrics.REBUILD_EVENTS.labels(self.service, "total").set(0)
        await _stop(consumers, helpers)
        log.info("rebuild of %s: generation %s is live", self.service, live.name)
        self.progress(live)
        return live

    async def _fail(
        self,
        generation: Generation,
        consumers: Sequence[EventConsumer],
        helpers: Helpers,
        exc: BaseException,
    ) -> None:
        """Stop the generation's consumers and helpers, then drop it and say why (an abort's
        reason, who asked for it, is already recorded)."""
        await _stop(consumers, helpers)
        reason = None if isinstance(exc, Aborted) else f"{type(exc).__name__}: {exc}"
        with contextlib.suppress(Exception):
            await self.generations.fail(generation, reason)

    async def _until_caught_up(
        self,
        generation: Generation,
        consumers: Sequence[EventConsumer],
        helpers: Helpers,
        offsets: OffsetsReader,
        reads: Reads,
    ) -> None:
        started = time.monotonic()
        end: dict[TopicPartition, int] = {}
        while True:
            await self._next_look(consumers, helpers, reads, end)
            helpers.check()
            begin, end = await offsets(_topics(consumers))
            done, total, behind = _progress(consumers, helpers, reads, begin, end)
            rate = done / max(time.monotonic() - started, 1e-9)
            metrics.REBUILD_EVENTS.labels(self.service, "done").set(done)
            metrics.REBUILD_EVENTS.labels(self.service, "total").set(total)
            state = await self.generations.heartbeat(generation, done, total, rate)
            if state is State.ABORTING:
                raise Aborted("an operator stopped it")
            self.progress(await self.generations.get(generation.id))
            if not behind:
                return

    async def _next_look(
        self,
        consumers: Sequence[EventConsumer],
        helpers: Helpers,
        reads: Reads,
        end: dict[TopicPartition, int],
    ) -> None:
        """Wait a tick, or less once the consumers have reached the ends seen last: the swap
        then follows their last commit by a tenth of a second, not by up to a tick."""
        deadline = time.monotonic() + self.tick_s
        while time.monotonic() < deadline:
            await asyncio.sleep(min(CAUGHT_UP_LOOK_S, self.tick_s))
            if end and not _progress(consumers, helpers, reads, {}, end)[2]:
                return


async def _stop(consumers: Sequence[EventConsumer], helpers: Helpers) -> None:
    """Stop them together: each finishes the poll it waits on (up to half a second) first."""
    await asyncio.gather(helpers.stop(), *(consumer.stop() for consumer in consumers))


def _topics(consumers: Sequence[EventConsumer]) -> set[str]:
    return {topic for consumer in consumers for topic in consumer.topics}


def _reads(
    consumers: Sequence[EventConsumer],
    begin: dict[TopicPartition, int],
    end: dict[TopicPartition, int],
) -> Reads:
    """Each consumer group's partitions, with the events they hold now."""
    return {
        (consumer.group_id, tp): last - begin.get(tp, 0)
        for consumer in consumers
        for tp, last in end.items()
        if tp.topic in consumer.topics
    }


def _progress(
    consumers: Sequence[EventConsumer],
    helpers: Helpers,
    reads: Reads,
    begin: dict[TopicPartition, int],
    end: dict[TopicPartition, int],
) -> tuple[int, int, bool]:
    """Events read and to read over the partitions the rebuild split (read here, by a
    stand-in, or by a helper), and whether any is behind. A partition made since is read after
    the swap."""
    committed: dict[tuple[str, TopicPartition], int] = {}
    for group in {consumer.group_id for consumer in consumers}:
        for tp, offset in helpers.committed(group).items():
            committed[group, tp] = offset
    for consumer in consumers:
        for tp, offset in consumer.committed.items():
            at = committed.get((consumer.group_id, tp), offset)
            committed[consumer.group_id, tp] = max(at, offset)
    done = total = 0
    behind = False
    for group, tp in reads:
        if tp not in end:
            continue
        first, last = begin.get(tp, 0), end[tp]
        at = max(committed.get((group, tp), first), first)
        total += last - first
        done += min(at, last) - first
        behind = behind or at < last
    return done, total, behind


def describe(generation: Generation) -> str:
    """A progress line: events done of the total, the rate, the time left."""
    if generation.state is not State.BUILDING:
        return f"generation {generation.id} ({generation.name}) is {generation.state}"
    share = generation.events_done / generation.events_total if generation.events_total else 0
    eta = generation.eta_s
    left = "" if eta is None else f", about {eta:,.0f} s left"
    return (
        f"generation {generation.id}: {generation.events_done:,} of "
        f"{generation.events_total:,} events ({share:.1%}), "
        f"{generation.rate_per_s:,.0f} events/s{left}"
    )


class Follower:
    """Runs this process's consumers on the live generation, and follows it when it swaps."""

    def __init__(
        self, generations: Generations, consumers_of: ConsumersOf, *, interval_s: float = 1.0
    ) -> None:
        self.generations = generations
        self.consumers_of = consumers_of
        self.interval_s = interval_s
        self.following: Generation | None = None
        self._consumers: Sequence[EventConsumer] = ()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="generation-follower")

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        try:
            while not self._stopping.is_set():
                try:
                    live = await self.generations.live()
                    if self.following is None or live.name != self.following.name:
                        await self._follow(live)
                except Exception:
                    log.exception("could not read the live generation; trying again")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), self.interval_s)
        finally:
            for consumer in self._consumers:
                await consumer.stop()

    async def _follow(self, live: Generation) -> None:
        for consumer in self._consumers:
            await consumer.stop()
        self._consumers = self.consumers_of(self.generations.database(live), live)
        for consumer in self._consumers:
            consumer.start()
        if self.following is not None:
            log.info("consumers moved to generation %s (%s)", live.id, live.name)
            await self.generations.dispose(keep=live)  # the one left is retired
        self.following = live

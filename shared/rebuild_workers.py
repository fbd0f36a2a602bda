"""A rebuild's helper processes: more than one core reading the topics.

A rebuild's consumers spend most of their time in Python (decoding events, building rows), one
core's worth at most in one process. A helper runs the same consumers of the same generation,
committing under the same consumer groups; the rebuild splits the partitions to read between
its own process and its helpers (`split`, about as many events each), so every partition is
read by one of them, in order, and no rebalance moves one halfway.

The rebuild starts its helpers first, and they load the service's code while it makes the
generation's tables. It does not wait for them: its own process starts reading every share at
once, a helper's share with stand-in consumers. Each helper says `ready` on its standard output;
the rebuild then stops that share's stand-ins (their last commits made) and writes `go` with
the share on the helper's standard input, and the helper's consumers go on from those commits.
The stand-ins read a helper's share about as far as the rebuild's own consumers read its own,
so the shares stay about even. A helper then reports
what its consumers commit as lines on its standard output, which the rebuild adds to its own
consumers' progress to know when the generation has caught up. It stops, its last commits
made, when its standard input closes: when the rebuild is done with it, or when the rebuild's
process dies. A helper that exits while the rebuild runs fails the rebuild.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiokafka import TopicPartition

from shared.consumer import EventConsumer

log = logging.getLogger(__name__)

READY_WAIT_S = 60.0
"""How long a helper may take to load before the rebuild gives up on it."""
REPORT_EVERY_S = 0.05
"""How often a helper says what its consumers have committed since it last said."""
STOP_WAIT_S = 30.0
"""How long a helper may take to stop before it is killed."""
READY = {"ready": True}

GO_LIMIT = 1 << 22
"""The longest `go` line a helper reads: a share of some tens of thousands of partitions."""

Share = dict[str, set[TopicPartition]]
"""The partitions one process reads, by consumer group."""


class HelperFailed(RuntimeError):
    """A helper process exited, or never got ready, while the rebuild needed it."""


@dataclass
class _Helper:
    process: asyncio.subprocess.Process
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    reader: asyncio.Task[None] | None = None
    committed: dict[str, dict[TopicPartition, int]] = field(default_factory=dict)
    """What its consumers committed, by consumer group."""

    def failed(self) -> HelperFailed:
        pid, code = self.process.pid, self.process.returncode
        return HelperFailed(f"rebuild helper {pid} exited with {code}")


class Helpers:
    """The helper processes of one rebuild, and what they have committed."""

    def __init__(self, command: Sequence[str], env: dict[str, str], count: int) -> None:
        self.command = list(command)
        self.env = env
        self.count = count
        self._helpers: list[_Helper] = []

    async def start(self) -> None:
        """Start the helpers loading; `go` sets them reading."""
        for _ in range(self.count):
            process = await asyncio.create_subprocess_exec(
                *self.command,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                env=self.env,
            )
            helper = _Helper(process)
            helper.reader = asyncio.create_task(self._read(helper), name="rebuild-helper")
            self._helpers.append(helper)

    async def go(
        self, shares: Sequence[Share], stand_ins: Sequence[Sequence[EventConsumer]]
    ) -> None:
        """As each helper gets ready, hand it its share: stop the consumers that have read the
        share meanwhile (their last commits made), and set the helper reading from there."""
        each = zip(self._helpers, shares, stand_ins, strict=True)
        handing = [asyncio.ensure_future(self._go(*helping)) for helping in each]
        try:
            await asyncio.gather(*handing)
        finally:  # one failed: the others stop waiting, and how each ended is taken
            for hand in handing:
                hand.cancel()
            await asyncio.gather(*handing, return_exceptions=True)
        if self._helpers:
            log.info("rebuild: %d helper process(es) read their share", self.count)

    async def _go(self, helper: _Helper, share: Share, stand_ins: Sequence[EventConsumer]) -> None:
        ended = asyncio.ensure_future(helper.process.wait())
        ready = asyncio.ensure_future(helper.ready.wait())
        try:
            await asyncio.wait(
                (ended, ready), timeout=READY_WAIT_S, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            ended.cancel()
            ready.cancel()
        if not helper.ready.is_set():
            raise helper.failed()
        await asyncio.gather(*(consumer.stop() for consumer in stand_ins))
        assert helper.process.stdin is not None
        helper.process.stdin.write(_go(share))
        await helper.process.stdin.drain()

    def committed(self, group: str) -> dict[TopicPartition, int]:
        """The furthest each helper has committed on each partition of `group`."""
        furthest: dict[TopicPartition, int] = {}
        for helper in self._helpers:
            for tp, offset in helper.committed.get(group, {}).items():
                furthest[tp] = max(offset, furthest.get(tp, offset))
        return furthest

    def check(self) -> None:
        """Raise HelperFailed if a helper has exited."""
        for helper in self._helpers:
            if helper.process.returncode is not None:
                raise helper.failed()

    async def stop(self) -> None:
        """Close each helper's input, and wait for it to stop (kill it if it does not). What
        the helpers committed stays known."""
        for helper in self._helpers:
            if helper.process.stdin is not None:
                helper.process.stdin.close()
        for helper in self._helpers:
            try:
                await asyncio.wait_for(helper.process.wait(), STOP_WAIT_S)
            except TimeoutError:
                log.warning("rebuild helper %d did not stop; killing it", helper.process.pid)
                with contextlib.suppress(ProcessLookupError):
                    helper.process.kill()
                await helper.process.wait()
            if helper.reader is not None:
                await helper.reader

    async def _read(self, helper: _Helper) -> None:
        assert helper.process.stdout is not None
        async for line in helper.process.stdout:
            try:
                report = json.loads(line)
                if report == READY:
                    helper.ready.set()
                    continue
                offsets = helper.committed.setdefault(report["group"], {})
                for topic, partition, offset in report["offsets"]:
                    offsets[TopicPartition(topic, partition)] = offset
            except (ValueError, KeyError, TypeError):
                log.warning("rebuild helper %d said %r", helper.process.pid, line[:200])


def split(reads: Mapping[tuple[str, TopicPartition], int], ways: int) -> list[Share]:
    """Split the partitions to read (a consumer group's partition, with how many events it
    holds) into `ways` shares of about as many events each: the largest first, each to the share
    holding the fewest so far."""
    shares: list[Share] = [{} for _ in range(ways)]
    events = [0] * ways
    for (group, tp), count in sorted(reads.items(), key=lambda read: (-read[1], read[0])):
        least = events.index(min(events))
        shares[least].setdefault(group, set()).add(tp)
        events[least] += count
    return shares


def _go(share: Share) -> bytes:
    reads = [[group, tp.topic, tp.partition] for group, tps in share.items() for tp in sorted(tps)]
    return json.dumps({"go": reads}).encode() + b"\n"


def _share_of(line: bytes) -> Share | None:
    """The share a `go` line gives; None for anything else."""
    try:
        said: Any = json.loads(line)
        share: Share = {}
        for group, topic, partition in said["go"]:
            share.setdefault(str(group), set()).add(TopicPartition(str(topic), int(partition)))
    except (ValueError, TypeError, KeyError):
        return None
    return share


async def help_rebuild(consumers: Sequence[EventConsumer]) -> None:
    """A helper's life: say it is ready; on `go`, run `consumers` on the share it gives and
    report their commits on standard output until standard input closes (or SIGTERM); then stop
    them, report the last, and return."""
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stopping.set)
    reader = asyncio.StreamReader(limit=GO_LIMIT)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    _say(READY)
    share = _share_of(await reader.readline())
    if share is None:
        return
    for consumer in consumers:
        consumer.read_only(share.get(consumer.group_id, ()))
    watching = asyncio.create_task(_until_closed(reader, stopping))
    said: dict[str, dict[TopicPartition, int]] = {}
    for consumer in consumers:
        consumer.start()
    try:
        while not stopping.is_set():
            _report(consumers, said)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), REPORT_EVERY_S)
    finally:
        watching.cancel()
        await asyncio.gather(*(consumer.stop() for consumer in consumers))
        _report(consumers, said)


async def _until_closed(reader: asyncio.StreamReader, stopping: asyncio.Event) -> None:
    while await reader.read(4096):
        pass
    stopping.set()


def _report(consumers: Sequence[EventConsumer], said: dict[str, dict[TopicPartition, int]]) -> None:
    """Say, for each consumer group whose commits changed since it last said, what they are."""
    for consumer in consumers:
        before = said.setdefault(consumer.group_id, {})
        changed = {tp: o for tp, o in consumer.committed.items() if before.get(tp) != o}
        if not changed:
            continue
        before.update(changed)
        offsets = [[tp.topic, tp.partition, offset] for tp, offset in changed.items()]
        _say({"group": consumer.group_id, "offsets": offsets})


def _say(report: Mapping[str, object]) -> None:
    sys.stdout.write(json.dumps(report) + "\n")
    sys.stdout.flush()

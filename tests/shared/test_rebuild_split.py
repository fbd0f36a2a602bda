"""How a rebuild splits the partitions to read between its processes."""

from __future__ import annotations

from aiokafka import TopicPartition

from shared.rebuild_workers import split


def _reads(sizes: dict[str, list[int]]) -> dict[tuple[str, TopicPartition], int]:
    """Each group's partitions of one topic named after it, with these sizes."""
    return {
        (group, TopicPartition(f"topic-{group}", p)): size
        for group, partition_sizes in sizes.items()
        for p, size in enumerate(partition_sizes)
    }


def test_every_partition_goes_to_one_share_and_the_shares_hold_about_as_many_events() -> None:
    reads = _reads({"registry": [5_300, 5_200, 5_600], "environment": [2_100, 1_900, 2_000]})
    shares = split(reads, 2)
    given = [(group, tp) for share in shares for group, tps in share.items() for tp in tps]
    assert sorted(given) == sorted(reads)
    loads = [sum(reads[(g, tp)] for g, tps in share.items() for tp in tps) for share in shares]
    assert max(loads) - min(loads) <= max(reads.values())
    assert sorted(loads) == [10_500, 11_600]  # the largest first, each to the lighter share


def test_a_group_read_by_two_processes_is_split_by_partition() -> None:
    shares = split(_reads({"registry": [100, 100, 100, 100]}), 2)
    assert [len(share["registry"]) for share in shares] == [2, 2]


def test_one_process_reads_everything_and_an_empty_partition_still_has_a_reader() -> None:
    reads = _reads({"promotion": [0, 0, 7]})
    (only,) = split(reads, 1)
    assert only == {"promotion": {TopicPartition("topic-promotion", p) for p in range(3)}}
    many = split(reads, 4)
    assert sum(len(tps) for share in many for tps in share.values()) == 3

"""How many worker processes a batch of photos gets (pure arithmetic, no processes)."""

from __future__ import annotations

from muster.services.parallel_photos import PHOTOS_PER_WORKER, worker_count


def test_a_requested_worker_count_is_used_but_never_exceeds_the_photos() -> None:
    assert worker_count(2, 100) == 2
    assert worker_count(4, 3) == 3
    assert worker_count(0, 10) == 1


def test_a_small_folder_runs_in_this_process_when_the_count_is_automatic() -> None:
    assert worker_count(None, PHOTOS_PER_WORKER - 1, cores=2, busy=0.0) == 1
    assert worker_count(None, 0, cores=2, busy=0.0) == 1


def test_a_large_folder_gets_one_worker_per_idle_core_when_the_count_is_automatic() -> None:
    assert worker_count(None, PHOTOS_PER_WORKER * 1000, cores=2, busy=0.1) == 2
    assert worker_count(None, PHOTOS_PER_WORKER * 1000, cores=8, busy=3.6) == 4
    assert worker_count(None, PHOTOS_PER_WORKER * 3, cores=8, busy=0.0) == 3


def test_a_large_folder_runs_in_this_process_when_other_work_keeps_the_cores_busy() -> None:
    assert worker_count(None, PHOTOS_PER_WORKER * 1000, cores=2, busy=1.5) == 1
    assert worker_count(None, PHOTOS_PER_WORKER * 1000, cores=2, busy=15.0) == 1

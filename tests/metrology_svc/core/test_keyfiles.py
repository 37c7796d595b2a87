"""Key files: made once, whole, private, however many start at once."""

import stat
import threading
import time
from pathlib import Path

from metrology_svc.core.keyfiles import random_hex_key, read_or_create


def test_a_key_file_is_made_once_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "secrets.key"
    first = read_or_create(path)
    assert len(first) == 64
    assert read_or_create(path, lambda: "never used") == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in path.parent.iterdir()) == ["secrets.key"]


def test_starting_at_once_every_one_reads_the_same_whole_key(tmp_path: Path) -> None:
    # A slow key maker widens the moment between creating the file and writing it: a reader
    # must never get an empty or half-written key.
    path = tmp_path / "secrets.key"
    start = threading.Barrier(8)
    got: list[str] = []

    def slow_key() -> str:
        time.sleep(0.05)
        return random_hex_key()

    def starter() -> None:
        start.wait()
        got.append(read_or_create(path, slow_key))

    threads = [threading.Thread(target=starter) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(got) == 8
    assert len(set(got)) == 1
    assert len(got[0]) == 64
    assert sorted(p.name for p in tmp_path.iterdir()) == ["secrets.key"]

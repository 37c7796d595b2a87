"""Read and parse a large CSV list in a process of its own, while the importing process checks
and writes the chunk before.

Reading and parsing need no database, but a thread cannot give them a core of their own (the
GIL: a parsing thread only slows the writing one down), so a CSV of PROCESS_FROM_BYTES or more
is read again from its path by `python -m metrology_svc.imports.parse_worker`, which takes a
Job (pickled, on its standard input) and writes ("parsed", (rows, chunk)) messages, then
("end", Final), pickled, to its standard output.

The child reports no error of the file: on any failure (a broken row, a limit passed, a mixed
number convention, a Restart) it writes ("failed", why) and stops, and the importing process
reads on itself from the first chunk the child did not send (imports.service), where the same
code meets the same failure and raises it as usual. The child's memory is capped as the XLSX
reader's is; at most QUEUED chunks wait in the parent.
"""

import pickle
import resource
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from queue import Queue
from typing import Any, BinaryIO

from metrology_svc.imports.limits import Limits
from metrology_svc.imports.numbers import NumberWay
from metrology_svc.imports.readers import drain, read_csv
from metrology_svc.imports.rules import Parsed, parsed_chunks
from metrology_svc.imports.type_names import TypeNames

PROCESS_FROM_BYTES = 4 << 20  # ~20,000 rows: below it, starting a process costs more
QUEUED = 2  # parsed chunks waiting for the importing process (bounded memory)
ADDRESS_SPACE = 2 << 30  # the child's backstop, far above what a chunk needs


@dataclass(frozen=True)
class Job:
    """What the child needs: the file, its limits, how numbers are read so far, the types."""

    path: Path
    limits: Limits
    way: NumberWay
    types: TypeNames
    chunk: int
    skip: int = 0  # chunks the importing process parses itself (only seen here: the numbers)


@dataclass(frozen=True)
class Final:
    """What only the whole read knows: the number convention and the cells converted."""

    way: NumberWay
    converted: int
    converted_from: list[str]


def messages(job: Job) -> Iterator[tuple[str, Any]]:
    """Yield the messages of a job: each chunk parsed (from chunk `skip` on), then the end."""
    table = read_csv(job.path, job.limits)
    for item in parsed_chunks(
        table.rows, table.header, job.way, job.types, job.chunk, skip=job.skip
    ):
        yield ("parsed", item)
    source = table.source
    yield ("end", Final(job.way, source.converted, list(source.converted_from)))


class Elsewhere:
    """The parsed chunks of a CSV, from a child process; a thread drains its pipe.

    Iterating yields (rows, parsed chunk) in order and stops at the end or at a failure;
    then `final` holds the end's Final, or `failed` why the child stopped, and `sent` how
    many chunks came. close() ends the child and the thread.
    """

    def __init__(self, job: Job) -> None:
        command = [sys.executable, "-m", "metrology_svc.imports.parse_worker"]
        # No shell; our interpreter and our module. The job goes on standard input.
        self.proc = subprocess.Popen(  # noqa: S603
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        assert self.proc.stdin is not None
        try:
            pickle.dump(job, self.proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            self.proc.stdin.close()
        except OSError:  # the child is gone already: its pipe says so below
            pass
        self.queue: Queue[tuple[str, Any]] = Queue(maxsize=QUEUED)
        self.stopped = threading.Event()
        self.final: Final | None = None
        self.failed: str | None = None
        self.sent = 0
        self.thread = threading.Thread(target=self._drain, name="import-parse-pipe", daemon=True)
        self.thread.start()

    def _drain(self) -> None:
        assert self.proc.stdout is not None
        # Our own child's output (parsed rows), never bytes from the user.
        broken = ("failed", "the parsing process stopped")
        drain(self.proc.stdout, self.queue, self.stopped, broken, ("end", "failed"))

    def __iter__(self) -> Iterator[tuple[int, list[Parsed]]]:
        while self.final is None and self.failed is None:
            kind, value = self.queue.get()
            if kind == "parsed":
                self.sent += 1
                yield value
            elif kind == "end":
                self.final = value
            else:
                self.failed = str(value)

    def close(self) -> None:
        """End the child (if it still runs) and the draining thread."""
        self.stopped.set()
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.thread.join()
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def main() -> None:
    """Run as the child: read the job from standard input, write messages to standard output."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = ADDRESS_SPACE if hard == resource.RLIM_INFINITY else min(ADDRESS_SPACE, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    out = sys.stdout.buffer
    try:
        # Our parent's job (a path, limits, names), never bytes from the user.
        job: Job = pickle.load(sys.stdin.buffer)  # noqa: S301
        for message in messages(job):
            _send(out, message)
    except BaseException as exc:  # any failure: the parent reads on itself and meets it
        _send(out, ("failed", f"{type(exc).__name__}: {exc}"[:500]))


def _send(out: BinaryIO, message: tuple[str, Any]) -> None:
    pickle.dump(message, out, protocol=pickle.HIGHEST_PROTOCOL)
    out.flush()


if __name__ == "__main__":
    # Run from the module by its name, so that a Final pickles as parse_worker.Final (not
    # __main__.Final, which the parent cannot load).
    from metrology_svc.imports import parse_worker

    parse_worker.main()

"""A load generator for HTTP benchmarks, run as its own process: `python -m bench.loadgen`.

It reads one phase as JSON on stdin, {"mode": "closed" | "open", "port", "paths", "seconds",
"rate"}, drives 127.0.0.1:port and prints the figures as one line of JSON. Closed loop: the top
rate, CONNECTIONS clients each sending as soon as it has its answer. Open loop: requests at a
fixed rate whatever the answers do, latency timed from when each request was due, so a slow
server cannot hide its queue (no coordinated omission).

It is a small HTTP/1.1 client on asyncio streams (uvloop), not httpx: on this machine httpx's
AsyncClient peaked at about 1,250 requests/s on one connection and fell to about 300 with 16,
below a 1,000 requests/s target and far below a bare route, so it would measure itself.
"""

import asyncio
import json
import random
import sys
import time
from collections import deque
from typing import Any

import uvloop

CONNECTIONS = 32
TIMEOUT_S = 10.0


Conn = tuple[asyncio.StreamReader, asyncio.StreamWriter]


async def connect(port: int) -> Conn:
    """Open one keep-alive HTTP/1.1 connection on loopback."""
    return await asyncio.open_connection("127.0.0.1", port)


async def get(conn: Conn, request: bytes) -> int:
    """Send one request and read the whole response (length or chunked); return its status."""
    reader, writer = conn
    writer.write(request)
    head = (await reader.readuntil(b"\r\n\r\n")).lower()
    if (at := head.find(b"content-length:")) >= 0:
        await reader.readexactly(int(head[at + 15 : head.index(b"\r\n", at)]))
    else:
        while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
            await reader.readexactly(size + 2)
        await reader.readuntil(b"\r\n")
    return int(head[9:12])


def _requests(paths: list[str]) -> list[bytes]:
    return [f"GET {p} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode() for p in paths]


async def closed_loop(port: int, paths: list[str], seconds: float) -> dict[str, Any]:
    """Return the top rate: CONNECTIONS clients, each sending as soon as it has its answer."""
    requests, rng = _requests(paths), random.Random(1)
    counts = {"ok": 0, "errors": 0}
    end = time.perf_counter() + seconds

    async def client() -> None:
        conn = await connect(port)
        while time.perf_counter() < end:
            counts["ok" if await get(conn, rng.choice(requests)) == 200 else "errors"] += 1
        conn[1].close()

    start = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(CONNECTIONS)))
    elapsed = time.perf_counter() - start
    return {"rate": round(counts["ok"] / elapsed, 1), **counts}


async def open_loop(port: int, paths: list[str], seconds: float, rate: float) -> dict[str, Any]:
    """Send at a fixed rate whatever the answers do; return latency percentiles and rates.

    A request that fails or times out counts in the percentiles with the time it took to fail,
    so an overloaded server cannot look fast by dropping its slowest answers.
    """
    requests, rng = _requests(paths), random.Random(2)
    # Round robin over the idle connections: none sits unused past the server's keep-alive
    # timeout (uvicorn: 5 s) to fail when a burst finally needs it.
    idle = deque([await connect(port) for _ in range(CONNECTIONS)])
    latencies: list[float] = []
    counts = {"ok": 0, "not_200": 0, "timeouts": 0, "failed": 0}

    async def one(request: bytes, due: float) -> None:
        try:
            conn = idle.popleft() if idle else await connect(port)
            status = await asyncio.wait_for(get(conn, request), TIMEOUT_S)
            counts["ok" if status == 200 else "not_200"] += 1
            idle.append(conn)
        except TimeoutError:
            counts["timeouts"] += 1
        except (OSError, asyncio.IncompleteReadError):
            counts["failed"] += 1
        latencies.append(time.perf_counter() - due)

    tasks = []
    start = time.perf_counter() + 0.05
    for i in range(int(seconds * rate)):
        due = start + i / rate
        if (delay := due - time.perf_counter()) > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(rng.choice(requests), due)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    latencies.sort()
    n = len(latencies)
    return {
        "sent": len(tasks),
        "achieved_rate": round(counts["ok"] / elapsed, 1),
        "p50_ms": round(latencies[n // 2] * 1000, 2),
        "p99_ms": round(latencies[min(n - 1, int(n * 0.99))] * 1000, 2),
        "max_ms": round(latencies[-1] * 1000, 2),
        "errors": n - counts["ok"],
        **counts,
    }


def loadgen(spec: dict[str, Any]) -> dict[str, Any]:
    """Run one phase described by spec in this process (uvloop) and return its figures."""
    if spec["mode"] == "closed":
        phase = closed_loop(spec["port"], spec["paths"], spec["seconds"])
    else:
        phase = open_loop(spec["port"], spec["paths"], spec["seconds"], spec["rate"])
    return uvloop.run(phase)


def main() -> None:
    """Run the phase given on stdin and print its figures as one line of JSON."""
    print(json.dumps(loadgen(json.loads(sys.stdin.read()))))


if __name__ == "__main__":
    main()

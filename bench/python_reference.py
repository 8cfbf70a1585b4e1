#!/usr/bin/env python3
"""The CPython column of the sync-vs-async table: the same three loops as bench/sync_vs_async.

Prints one JSON object: nanoseconds per item for a sync generator, an async generator consumed
in a coroutine under asyncio.run, and the same with `await asyncio.sleep(0)` per item (a real
trip through the event loop); create_task + await per item; a sleeping task cancelled and
awaited per item. Best of --repeat runs of --items items each.
"""
import argparse
import asyncio
import json
import platform
import threading
import time


def numbers(n):
    for i in range(n):
        yield i


async def async_numbers(n):
    for i in range(n):
        yield i


async def sleeping_numbers(n):
    for i in range(n):
        await asyncio.sleep(0)
        yield i


def sum_sync(n):
    total = 0
    for x in numbers(n):
        total += x
    return total


async def sum_async(source):
    total = 0
    async for x in source:
        total += x
    return total


async def identity(i):
    return i


async def create_task_await(n):
    total = 0
    for i in range(n):
        total += await asyncio.create_task(identity(i))
    return total


async def cancel_sleeping_tasks(n):
    sleepers = [asyncio.create_task(asyncio.sleep(86400)) for _ in range(n)]
    await asyncio.sleep(0)
    for s in sleepers:
        s.cancel()
    cancelled = 0
    for s in sleepers:
        try:
            await s
        except asyncio.CancelledError:
            cancelled += 1
    assert cancelled == n
    return n * (n - 1) // 2  # what best_ns_per_item checks


async def queue_round_trip(n):
    q = asyncio.Queue(1)

    async def producer():
        for i in range(n):
            await q.put(i)

    async def consumer():
        total = 0
        for _ in range(n):
            total += await q.get()
        return total

    _, total = await asyncio.gather(producer(), consumer())
    return total
async def call_soon_threadsafe_calls(n):
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    state = {"sum": 0, "count": 0}

    def add(i):
        state["sum"] += i
        state["count"] += 1
        if state["count"] == n:
            done.set_result(None)

    def post():
        for i in range(n):
            loop.call_soon_threadsafe(add, i)

    poster = threading.Thread(target=post)
    poster.start()
    await done
    poster.join()
    return state["sum"]


def best_ns_per_item(run, n, repeat):
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter_ns()
        result = run(n)
        elapsed = time.perf_counter_ns() - start
        assert result == n * (n - 1) // 2, result
        best = min(best, elapsed / n)
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    n, repeat = args.items, args.repeat
    result = {
        "python": platform.python_version(),
        "generator": best_ns_per_item(sum_sync, n, repeat),
        "async_generator": best_ns_per_item(
            lambda k: asyncio.run(sum_async(async_numbers(k))), n, repeat),
        "sleep0_round_trip": best_ns_per_item(
            lambda k: asyncio.run(sum_async(sleeping_numbers(k))), max(n // 10, 1), repeat),
        "create_task_await": best_ns_per_item(
            lambda k: asyncio.run(create_task_await(k)), max(n // 10, 1), repeat),
        "cancel_sleeping_task": best_ns_per_item(
            lambda k: asyncio.run(cancel_sleeping_tasks(k)), max(n // 10, 1), repeat),
        "queue_round_trip": best_ns_per_item(
            lambda k: asyncio.run(queue_round_trip(k)), max(n // 10, 1), repeat),
        "call_soon_threadsafe": best_ns_per_item(
            lambda k: asyncio.run(call_soon_threadsafe_calls(k)), max(n // 10, 1), repeat),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()

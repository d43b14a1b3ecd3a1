"""Follows a live maestro daemon's WebSocket stream while issues flow, disconnecting and resuming.

Usage: ws_follow.py BASE_URL MIN_TRANSITIONS DISCONNECTS

Connects to BASE_URL/api/v1/ws?after=0, reads until it has seen MIN_TRANSITIONS transitions,
disconnecting DISCONNECTS times along the way and resuming with ?after=<last seq>. Then it checks
that the seqs it saw are strictly increasing with no duplicate, and that they are exactly the seqs
of GET /api/v1/log up to the last one seen (no gap). Prints a JSON summary; exits 1 on any failure.
"""
import asyncio
import json
import sys
import urllib.request

import websockets


def fetch_log(base, until):
    seqs, after = [], 0
    while True:
        with urllib.request.urlopen(f"{base}/api/v1/log?after={after}&limit=1000", timeout=10) as response:
            page = json.load(response)
        if not page:
            return seqs
        for entry in page:
            if entry["seq"] > until:
                return seqs
            seqs.append(entry["seq"])
        after = page[-1]["seq"]


async def follow(base, minimum, disconnects):
    ws_base = base.replace("http://", "ws://", 1)
    seen, transitions, last, reconnects = [], 0, 0, 0
    # Leave after roughly even shares of the transitions, then once more at the end.
    cut_points = [minimum * (k + 1) // (disconnects + 1) for k in range(disconnects)]
    while transitions < minimum:
        async with websockets.connect(f"{ws_base}/api/v1/ws?after={last}", open_timeout=10, max_size=2**24) as socket:
            hello = json.loads(await asyncio.wait_for(socket.recv(), 10))
            if hello.get("type") != "hello" or hello.get("seq") != last:
                raise SystemExit(f"bad hello {hello} after {last}")
            while transitions < minimum:
                message = json.loads(await asyncio.wait_for(socket.recv(), 60))
                if message["type"] not in ("transition", "change"):
                    continue
                seen.append(message["seq"])
                last = message["seq"]
                if message["type"] == "transition":
                    transitions += 1
                if cut_points and transitions >= cut_points[0]:
                    cut_points.pop(0)
                    reconnects += 1
                    break
    return seen, transitions, reconnects


def main():
    base, minimum, disconnects = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    seen, transitions, reconnects = asyncio.run(follow(base, minimum, disconnects))
    problems = []
    if any(b <= a for a, b in zip(seen, seen[1:])):
        problems.append("seqs not strictly increasing")
    if len(set(seen)) != len(seen):
        problems.append("a duplicate seq")
    expected = fetch_log(base, seen[-1])
    if expected != seen:
        missing = sorted(set(expected) - set(seen))[:10]
        extra = sorted(set(seen) - set(expected))[:10]
        problems.append(f"the stream differs from the log: missing {missing}, extra {extra}")
    print(json.dumps({"entries": len(seen), "transitions": transitions, "reconnects": reconnects, "last": seen[-1],
                      "problems": problems}))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()

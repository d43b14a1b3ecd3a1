"""Waits on a live maestro daemon's WebSocket stream until an issue's transition reaches a state.

Usage: ws_watch.py BASE_URL AFTER_SEQ IDENTIFIER TO_STATE [TIMEOUT_SECONDS]

Prints the transitions of IDENTIFIER it saw, one JSON object per line, and exits 0 once one of them
goes to TO_STATE; exits 1 on timeout.
"""
import asyncio
import json
import sys

import websockets


async def watch(base, after, identifier, target, limit):
    async with websockets.connect(base.replace("http://", "ws://", 1) + f"/api/v1/ws?after={after}", open_timeout=10) as socket:
        while True:
            message = json.loads(await socket.recv())
            transition = message.get("transition")
            if message.get("type") == "transition" and transition["issue"] == identifier:
                print(json.dumps({"seq": message["seq"], "event": transition["event"], "from": transition["from"],
                                  "to": transition["to"]}), flush=True)
                if transition["to"] == target:
                    return


def main():
    base, after, identifier, target = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    limit = float(sys.argv[5]) if len(sys.argv) > 5 else 60
    try:
        asyncio.run(asyncio.wait_for(watch(base, after, identifier, target, limit), limit))
    except asyncio.TimeoutError:
        print(f"timed out waiting for {identifier} -> {target}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""A loopback mock of the OpenAI Responses API for driving the real `codex app-server` offline.

Serves POST <base>/responses with scripted Server-Sent-Event streams, one script entry per request,
in order. Binds 127.0.0.1 on an ephemeral port and prints {"port": N} as its first stdout line.
Stops on stdin EOF, on SIGTERM, or after --lifetime seconds, whichever comes first.

Script file: {"responses": [ENTRY, ...]} where ENTRY is one of
  {"message": "Hello", "deltas": ["Hel", "lo"], "usage": {...}, "rateLimits": true}
  {"functionCall": {"name": "exec_command", "arguments": {...}}, "usage": {...}}
  {"status": 500, "error": {"message": "...", "type": "server_error"}}
and may carry "delaySeconds": N (sleep before answering: a stalled model).
usage = {"input": 100, "cached": 20, "output": 7, "reasoning": 2}.
Every request received is appended to --log as {"index", "path", "body"}.
"""

import argparse
import json
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

RATE_LIMIT_HEADERS = {
    "x-codex-primary-used-percent": "13",
    "x-codex-primary-window-minutes": "300",
    "x-codex-primary-reset-at": "1795660000",
    "x-codex-secondary-used-percent": "40",
    "x-codex-secondary-window-minutes": "10080",
    "x-codex-secondary-reset-at": "1796000000",
}


class Script:
    def __init__(self, path, log_path):
        with open(path, encoding="utf-8") as handle:
            self.responses = json.load(handle)["responses"]
        self.log_path = log_path
        self.lock = threading.Lock()
        self.next_index = 0

    def take(self, path, body):
        with self.lock:
            index = self.next_index
            self.next_index += 1
            if self.log_path:
                with open(self.log_path, "a", encoding="utf-8") as log:
                    log.write(json.dumps({"index": index, "path": path, "body": body}) + "\n")
        if index < len(self.responses):
            return index, self.responses[index]
        return index, {"message": "mock script exhausted", "unscripted": True}


def usage_object(usage):
    usage = usage or {}
    input_tokens = usage.get("input", 10)
    output_tokens = usage.get("output", 2)
    return {
        "input_tokens": input_tokens,
        "input_tokens_details": {"cached_tokens": usage.get("cached", 0)},
        "output_tokens": output_tokens,
        "output_tokens_details": {"reasoning_tokens": usage.get("reasoning", 0)},
        "total_tokens": input_tokens + output_tokens,
    }


def sse_events(index, entry):
    """The (event type, payload) pairs for one scripted response."""
    response_id = f"resp_{index}"
    yield {"type": "response.created", "response": {"id": response_id}}
    if "functionCall" in entry:
        call = entry["functionCall"]
        item = {
            "type": "function_call",
            "id": f"fc_{index}",
            "call_id": call.get("callId", f"call_{index}"),
            "name": call["name"],
            "arguments": json.dumps(call.get("arguments", {})),
        }
        yield {"type": "response.output_item.added", "output_index": 0, "item": item}
        yield {"type": "response.output_item.done", "output_index": 0, "item": item}
    else:
        text = entry.get("message", "")
        message_id = entry.get("id", f"msg_{index}")
        yield {
            "type": "response.output_item.added",
            "output_index": 0,
            "item": {"type": "message", "role": "assistant", "id": message_id, "content": []},
        }
        for delta in entry.get("deltas", []):
            yield {
                "type": "response.output_text.delta",
                "item_id": message_id,
                "output_index": 0,
                "content_index": 0,
                "delta": delta,
            }
        yield {
            "type": "response.output_item.done",
            "output_index": 0,
            "item": {
                "type": "message",
                "role": "assistant",
                "id": message_id,
                "content": [{"type": "output_text", "text": text}],
            },
        }
    yield {"type": "response.completed", "response": {"id": response_id, "usage": usage_object(entry.get("usage"))}}


def make_handler(script, stopping):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_GET(self):
            self.send_json(200, {"data": [], "models": []})

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw or b"null")
            except ValueError:
                body = {"unparsed": raw.decode("utf-8", "replace")}
            index, entry = script.take(self.path, body)
            delay = float(entry.get("delaySeconds", 0))
            deadline = time.monotonic() + delay
            while time.monotonic() < deadline and not stopping.is_set():
                time.sleep(0.05)
            if stopping.is_set():
                return
            if "status" in entry:
                self.send_json(entry["status"], {"error": entry.get("error", {"message": "mock error"})})
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Connection", "close")
            if entry.get("rateLimits"):
                for name, value in RATE_LIMIT_HEADERS.items():
                    self.send_header(name, value)
            self.end_headers()
            try:
                for event in sse_events(index, entry):
                    frame = f"event: {event['type']}\ndata: {json.dumps(event)}\n\n"
                    self.wfile.write(frame.encode("utf-8"))
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass
            self.close_connection = True

        def send_json(self, status, payload):
            data = json.dumps(payload).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data)
            self.close_connection = True

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--script", required=True)
    parser.add_argument("--log")
    parser.add_argument("--lifetime", type=float, default=120.0)
    args = parser.parse_args()

    stopping = threading.Event()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(Script(args.script, args.log), stopping))
    server.daemon_threads = True

    def stop(*_):
        stopping.set()

    signal.signal(signal.SIGTERM, stop)

    def watch_stdin():
        sys.stdin.buffer.read()
        stop()

    threading.Thread(target=watch_stdin, daemon=True).start()
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    print(json.dumps({"port": server.server_address[1]}), flush=True)
    stopping.wait(args.lifetime)
    stopping.set()
    server.shutdown()
    server.server_close()


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""A scriptable stand-in for `codex app-server` (Codex CLI 0.163.0), driven by a scenario file.

Speaks the stdio protocol with the shapes the real server was recorded sending
(see ../../../Specs/codex-runner.md and the scenario files beside this script):
compact JSON lines, no "jsonrpc", `emittedAtMs` on notifications, server request ids from 0,
UUIDv7-shaped thread and turn ids, the real server's error messages for bad requests.

Usage: fake_app_server.py --scenario FILE --record FILE [--pidfile FILE]

The record is JSON lines: {"t", "dir": "client->server"|"server->client", "line"} for every
message, and {"t", "event": ...} for everything else worth asserting (started, stdin_eof, sigterm,
invalid_json, invalid_answer, no_response, unsolicited_response, initialized_missing).
"""

import argparse
import json
import os
import queue
import random
import signal
import subprocess
import sys
import threading
import time

EOF = object()
RECORDED_LINE_LIMIT = 65536
V2_DECISIONS = {"accept", "acceptForSession", "decline", "cancel"}
V2_DECISION_OBJECTS = {"acceptWithExecpolicyAmendment", "applyNetworkPolicyAmendment"}
LEGACY_DECISIONS = {"approved", "approved_for_session", "denied", "abort", "timed_out", "approved_mcp_policy_amendment"}
CLIENT_METHODS = ["initialize", "thread/start", "thread/resume", "thread/name/set", "turn/start", "turn/interrupt"]
SANDBOX_MODES = ["read-only", "workspace-write", "danger-full-access"]
APPROVAL_POLICIES = ["untrusted", "on-request", "never"]
BUBBLEWRAP_WARNING = (
    "Codex could not find bubblewrap on PATH. Install bubblewrap with your OS package manager. See the sandbox "
    "prerequisites: https://developers.openai.com/codex/concepts/sandboxing#prerequisites. Codex will use the "
    "bundled bubblewrap in the meantime."
)


def now_ms():
    return int(time.time() * 1000)


def uuid7():
    value = (now_ms() << 80) | (0x7 << 76) | (random.getrandbits(12) << 64) | (0b10 << 62) | random.getrandbits(62)
    text = f"{value:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def is_uuid(text):
    parts = text.split("-") if isinstance(text, str) else []
    return [len(p) for p in parts] == [8, 4, 4, 4, 12] and all(c in "0123456789abcdefABCDEF" for c in "".join(parts))


def prompt_steps(text):
    """Steps written in the prompt itself, one per line: `@@op {json arguments}`.

    Lets one scenario serve every phase of a daemon test: the workflow's phase prompts say what the
    agent does (`@@toolCall {"tool": "kanban_move", "arguments": {"state": "human_review"}}`). A turn
    without an explicit `@@complete` ends with a short message and a completed status.
    """
    steps = []
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("@@"):
            continue
        op, _, arguments = line[2:].partition(" ")
        step = json.loads(arguments) if arguments.strip() else {}
        step["op"] = op
        steps.append(step)
    if not any(step["op"] in ("complete", "silence", "exit") for step in steps):
        steps += [{"op": "agentMessage", "text": "Done as the prompt said."}, {"op": "complete", "status": "completed"}]
    return steps


class Interrupted(Exception):
    """The running turn was interrupted (turn/interrupt, or a `cancel` decision)."""


class Recorder:
    def __init__(self, path):
        self.handle = open(path, "a", encoding="utf-8")
        self.lock = threading.Lock()
        self.start = time.monotonic()

    def write(self, entry):
        entry = {"t": round(time.monotonic() - self.start, 6), "wall": round(time.time(), 6), **entry}
        with self.lock:
            self.handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
            self.handle.flush()

    def line(self, direction, text):
        entry = {"dir": direction, "line": text}
        if len(text) > RECORDED_LINE_LIMIT:
            entry = {"dir": direction, "line": text[:1000], "truncatedBytes": len(text.encode("utf-8"))}
        self.write(entry)

    def event(self, name, **fields):
        self.write({"event": name, **fields})


class FakeAppServer:
    def __init__(self, scenario, recorder):
        self.scenario = scenario
        self.server = scenario.get("server", {})
        self.recorder = recorder
        self.inbox = queue.Queue()
        self.out_lock = threading.Lock()
        self.next_server_id = 0
        self.initialized = False
        self.initialized_sent = False
        self.experimental = False
        self.client_name = "client"
        self.threads = {thread_id: {"cwd": os.getcwd(), "name": None} for thread_id in self.server.get("resumableThreads", [])}
        self.turns_started = 0
        self.last_client_id = 0
        self.running_turn = None
        self.token_total = dict(self.server.get("initialTokenTotal", {}))
        self.message_counter = 0
        self.last_agent_message = None
        self.answered = {}
        self.issued = set()

    # MARK: - output

    def write_line(self, text):
        with self.out_lock:
            sys.stdout.buffer.write(text.encode("utf-8") + b"\n")
            sys.stdout.buffer.flush()
        self.recorder.line("server->client", text)

    def send(self, message):
        self.write_line(json.dumps(message, separators=(",", ":"), ensure_ascii=False))

    def notify(self, method, params):
        self.send({"method": method, "params": params, "emittedAtMs": now_ms()})

    def respond(self, request_id, result):
        self.send({"id": request_id, "result": result})

    def fail(self, request_id, message, code=-32600):
        self.send({"error": {"code": code, "message": message}, "id": request_id})

    # MARK: - input

    def read_stdin(self):
        for raw in sys.stdin.buffer:
            text = raw.decode("utf-8", "replace").rstrip("\n")
            self.recorder.line("client->server", text)
            try:
                message = json.loads(text)
                if not isinstance(message, dict):
                    raise ValueError("not an object")
            except ValueError as error:
                self.recorder.event("invalid_json", error=str(error))
                sys.stderr.write(f"ERROR codex_app_server: Failed to deserialize JSONRPCMessage: {error}\n")
                sys.stderr.flush()
                continue
            if "jsonrpc" in message:
                self.recorder.event("jsonrpc_field")
            self.inbox.put(message)
        self.recorder.event("stdin_eof")
        if self.server.get("ignoreStdinEof"):
            self.inbox.put(EOF)
            return
        os._exit(0)

    def next_message(self, timeout=None):
        try:
            return self.inbox.get(timeout=timeout)
        except queue.Empty:
            return None

    def wait_for_answer(self, request_id, can_interrupt=True):
        """Handle other messages until the client answers `request_id`; returns the response."""
        # Generous: under a loaded test run an operator's answer to a question took over 10 s.
        deadline = time.monotonic() + self.server.get("responseTimeoutSeconds", 120)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.recorder.event("no_response", id=request_id)
                return {"id": request_id, "error": {"code": -1, "message": "no response"}}
            message = self.next_message(timeout=remaining)
            if message is None:
                continue
            if message is EOF:
                self.idle_forever()
            if "method" not in message and message.get("id") == request_id:
                self.note_answer(request_id)
                return message
            self.handle(message, in_turn=can_interrupt)

    def note_answer(self, request_id):
        self.answered[request_id] = self.answered.get(request_id, 0) + 1
        if self.answered[request_id] > 1:
            self.recorder.event("duplicate_answer", id=request_id)

    def pause(self, seconds):
        """Sleep while still handling client messages (so `turn/interrupt` works)."""
        deadline = time.monotonic() + seconds
        while (remaining := deadline - time.monotonic()) > 0:
            message = self.next_message(timeout=min(remaining, 3600))
            if message is EOF:
                self.idle_forever()
            if message is not None:
                self.handle(message, in_turn=True)

    def idle_forever(self):
        while True:
            time.sleep(1)

    # MARK: - dispatch

    def run(self):
        threading.Thread(target=self.read_stdin, daemon=True).start()
        while True:
            message = self.next_message()
            if message is EOF:
                self.idle_forever()
            self.handle(message, in_turn=False)

    def handle(self, message, in_turn):
        method = message.get("method")
        if method is None:
            request_id = message.get("id")
            if request_id in self.answered:
                self.note_answer(request_id)
            elif request_id in self.issued:
                self.note_answer(request_id)
                self.recorder.event("late_answer", id=request_id)
            else:
                self.recorder.event("unsolicited_response", id=request_id)
            return
        if "id" not in message:
            if method == "initialized":
                self.initialized_sent = True
            return
        request_id = message["id"]
        if isinstance(request_id, int):
            if request_id <= self.last_client_id:
                self.recorder.event("non_increasing_id", id=request_id)
            self.last_client_id = request_id
        if method in self.server.get("silentMethods", []):
            self.recorder.event("ignored", method=method, id=request_id)
            return
        exit_on = self.server.get("exitOn")
        if exit_on and exit_on.get("method") == method:
            self.exit_now(exit_on)
        params = message.get("params") or {}
        if method == "initialize":
            self.on_initialize(request_id, params)
        elif not self.initialized:
            self.fail(request_id, "Not initialized")
        elif method in ("thread/start", "thread/resume"):
            self.on_thread_start(request_id, method, params)
        elif method == "thread/name/set":
            self.on_thread_name(request_id, params)
        elif method == "turn/start":
            if in_turn:
                self.fail(request_id, "a turn is already running")
            else:
                self.on_turn_start(request_id, params)
        elif method == "turn/interrupt":
            self.on_interrupt(request_id, params, in_turn)
        else:
            expected = ", ".join(f"`{m}`" for m in CLIENT_METHODS)
            self.fail(request_id, f"Invalid request: unknown variant `{method}`, expected one of {expected}")

    def on_initialize(self, request_id, params):
        if self.initialized:
            return self.fail(request_id, "Already initialized")
        if "clientInfo" not in params:
            return self.fail(request_id, "Invalid request: missing field `clientInfo`")
        self.initialized = True
        self.client_name = params["clientInfo"].get("name", "client")
        self.experimental = bool((params.get("capabilities") or {}).get("experimentalApi"))
        self.respond(request_id, {
            "userAgent": f"{self.client_name}/0.163.0 (fake)",
            "codexHome": os.environ.get("CODEX_HOME", "/nonexistent/.codex"),
            "platformFamily": "unix",
            "platformOs": "linux",
        })
        if self.server.get("noiseAfterInitialize", True):
            self.notify("configWarning", {"summary": BUBBLEWRAP_WARNING, "details": None})
            self.notify("remoteControl/status/changed", {
                "status": "disabled", "serverName": "fake", "installationId": uuid7(), "environmentId": None})

    # MARK: - threads

    def thread_start_error(self, method, params):
        policy = params.get("approvalPolicy")
        expected = "expected one of `untrusted`, `on-request`, `granular`, `never`"
        if isinstance(policy, str) and policy not in APPROVAL_POLICIES:
            return f"Invalid request: unknown variant `{policy}`, {expected}"
        if isinstance(policy, dict):
            keys = list(policy)
            if keys != ["granular"]:
                return f"Invalid request: unknown variant `{keys[0] if keys else ''}`, {expected}"
            if not self.experimental:
                return "askForApproval.granular requires experimentalApi capability"
        sandbox = params.get("sandbox")
        if sandbox is not None and sandbox not in SANDBOX_MODES:
            return ("Invalid request: unknown variant `%s`, expected one of `read-only`, `workspace-write`, "
                    "`danger-full-access`" % sandbox)
        tools = params.get("dynamicTools")
        if tools and method == "thread/start":
            if not self.experimental:
                return "thread/start.dynamicTools requires experimentalApi capability"
            for index, tool in enumerate(tools):
                if tool.get("type") != "function" or not {"name", "description", "inputSchema"} <= set(tool):
                    return f"Invalid request: dynamicTools[{index}] is not a FunctionDynamicToolSpec"
        if method == "thread/resume":
            thread_id = params.get("threadId")
            if not is_uuid(thread_id):
                return f"invalid thread id: {thread_id}"
            if thread_id not in self.threads:
                return f"no rollout found for thread id {thread_id}"
        return None

    def sandbox_object(self, mode):
        if mode == "read-only":
            return {"type": "readOnly", "networkAccess": False}
        if mode == "danger-full-access":
            return {"type": "dangerFullAccess"}
        return {"type": "workspaceWrite", "writableRoots": [], "networkAccess": False,
                "excludeTmpdirEnvVar": False, "excludeSlashTmp": False}

    def thread_object(self, thread_id, cwd):
        created = int(time.time())
        return {
            "id": thread_id, "environments": [{"environmentId": "local", "cwd": cwd, "runtimeWorkspaceRoots": [cwd]}],
            "extra": None, "sessionId": thread_id, "forkedFromId": None, "parentThreadId": None, "preview": "",
            "ephemeral": False, "section": None, "sectionEnteredAt": None, "projectId": None,
            "historyMode": "paginated", "modelProvider": "mock", "model": "mock-model", "reasoningEffort": None,
            "createdAt": created, "updatedAt": created, "recencyAt": created, "status": {"type": "idle"},
            "path": f"/nonexistent/.codex/sessions/rollout-{thread_id}.jsonl", "cwd": cwd, "cliVersion": "0.163.0",
            "originator": self.client_name, "source": "vscode", "canAcceptDirectInput": True, "threadSource": None,
            "agentNickname": None, "agentRole": None, "gitInfo": None, "name": self.threads.get(thread_id, {}).get("name"),
            "daybreakEnabled": None, "turns": [],
        }

    def on_thread_start(self, request_id, method, params):
        error = self.thread_start_error(method, params)
        if error:
            return self.fail(request_id, error)
        cwd = params.get("cwd") or os.getcwd()
        thread_id = params["threadId"] if method == "thread/resume" else uuid7()
        self.threads[thread_id] = {"cwd": cwd, "name": self.threads.get(thread_id, {}).get("name")}
        thread = self.thread_object(thread_id, cwd)
        policy = params.get("approvalPolicy", "on-request")
        self.respond(request_id, {
            "thread": thread, "model": "mock-model", "modelProvider": "mock", "serviceTier": None,
            "disabledPluginIds": [], "cwd": cwd, "runtimeWorkspaceRoots": [cwd], "instructionSources": [],
            "approvalPolicy": policy, "approvalsReviewer": "user",
            "sandbox": self.sandbox_object(params.get("sandbox", "workspace-write")),
            "activePermissionProfile": None, "reasoningEffort": None, "multiAgentMode": "explicitRequestOnly",
        })
        if method == "thread/start":
            self.notify("thread/started", {"thread": thread})
        elif self.token_total:
            self.notify("thread/tokenUsage/updated", {
                "threadId": thread_id, "turnId": uuid7(),
                "tokenUsage": {"total": self.usage_breakdown(self.token_total), "last": self.usage_breakdown(self.token_total),
                               "modelContextWindow": 258400}})

    def on_thread_name(self, request_id, params):
        thread_id = params.get("threadId")
        if thread_id not in self.threads:
            return self.fail(request_id, f"thread not found: {thread_id}")
        self.threads[thread_id]["name"] = params.get("name")
        self.respond(request_id, {})
        self.notify("thread/name/updated", {"threadId": thread_id, "threadName": params.get("name")})

    # MARK: - turns

    def on_turn_start(self, request_id, params):
        thread_id = params.get("threadId")
        if not is_uuid(thread_id):
            return self.fail(request_id, "invalid thread id: invalid character: expected an optional prefix of "
                                         "`urn:uuid:` followed by [0-9a-fA-F-], found `%s` at 1" % str(thread_id)[:1])
        if thread_id not in self.threads:
            return self.fail(request_id, f"thread not found: {thread_id}")
        turns = self.scenario.get("turns", [])
        steps = turns[self.turns_started] if self.turns_started < len(turns) else self.after_turns()
        self.turns_started += 1
        turn_id = uuid7()
        self.running_turn = {"thread": thread_id, "turn": turn_id, "started": int(time.time()), "pending": set(),
                             "active": False}
        if self.server.get("warningBeforeTurnResponse", False):
            self.notify("warning", {"threadId": thread_id, "message": "Model metadata for `mock-model` not found. "
                                    "Defaulting to fallback metadata; this can degrade performance and cause issues."})
        self.respond(request_id, {"turn": self.turn_object("inProgress", None, started=None)})
        # The real server accepts turn/interrupt only once the turn is active (after turn/started).
        self.pause(self.server.get("turnStartedDelayMs", 0) / 1000)
        self.running_turn["active"] = True
        self.notify("thread/status/changed", {"threadId": thread_id, "status": {"type": "active", "activeFlags": []}})
        self.notify("turn/started", {"threadId": thread_id, "turn": self.turn_object("inProgress", None)})
        text = "".join(part.get("text", "") for part in params.get("input", []))
        if self.scenario.get("followPrompt"):
            steps = prompt_steps(text)
        user_item = {"type": "userMessage", "id": uuid7(), "clientId": None,
                     "content": [{"type": "text", "text": text, "text_elements": []}]}
        self.item("started", user_item)
        self.item("completed", user_item)
        self.last_agent_message = None
        try:
            for step in steps:
                getattr(self, "op_" + step["op"])(step)
        except Interrupted:
            self.finish_turn("interrupted", None)
        self.running_turn = None

    def after_turns(self):
        if self.scenario.get("afterTurns", "complete") == "silence":
            return [{"op": "silence"}]
        return [{"op": "agentMessage", "text": "Nothing more to do."}, {"op": "complete", "status": "completed"}]

    def turn_object(self, status, error, started=True):
        turn = self.running_turn
        completed = status not in ("inProgress",)
        items = []
        if completed and status == "completed" and self.last_agent_message:
            items = [self.last_agent_message]
        return {
            "id": turn["turn"], "rootTurnId": turn["turn"], "items": items,
            "itemsView": "summary" if items else "notLoaded", "status": status, "error": error,
            "startedAt": turn["started"] if started else None,
            "completedAt": int(time.time()) if completed else None,
            "durationMs": 42 if completed else None,
        }

    def item(self, phase, item):
        stamp = "startedAtMs" if phase == "started" else "completedAtMs"
        turn = self.running_turn
        self.notify(f"item/{phase}", {"item": item, "threadId": turn["thread"], "turnId": turn["turn"], stamp: now_ms()})

    def status(self, flags):
        self.notify("thread/status/changed", {"threadId": self.running_turn["thread"],
                                              "status": {"type": "active", "activeFlags": flags}})

    def finish_turn(self, status, error):
        turn = self.running_turn
        for request_id in sorted(turn["pending"]):
            self.notify("serverRequest/resolved", {"threadId": turn["thread"], "requestId": request_id})
        turn["pending"].clear()
        thread_status = {"type": "systemError"} if status == "failed" else {"type": "idle"}
        self.notify("thread/status/changed", {"threadId": turn["thread"], "status": thread_status})
        self.notify("turn/completed", {"threadId": turn["thread"], "turn": self.turn_object(status, error)})

    def on_interrupt(self, request_id, params, in_turn):
        turn = self.running_turn
        if not is_uuid(params.get("threadId")):
            return self.fail(request_id, "invalid thread id: invalid character: expected an optional prefix of "
                                         "`urn:uuid:` followed by [0-9a-fA-F-], found `%s` at 1" % str(params.get("threadId"))[:1])
        if turn is not None and not turn["active"]:
            return self.fail(request_id, "no active turn to interrupt")
        if not in_turn or turn is None or params.get("turnId") != turn["turn"] or params.get("threadId") != turn["thread"]:
            return self.fail(request_id, f"turn not found: {params.get('turnId')}")
        if self.server.get("ignoreInterrupt"):
            return
        self.respond(request_id, {})
        raise Interrupted()

    def server_request(self, method, params, request_id=None):
        if request_id is None:
            request_id = self.next_server_id
            self.next_server_id += 1
        self.issued.add(request_id)
        if self.running_turn:
            self.running_turn["pending"].add(request_id)
        self.send({"method": method, "id": request_id, "params": params})
        answer = self.wait_for_answer(request_id)
        if self.running_turn:
            self.running_turn["pending"].discard(request_id)
            self.notify("serverRequest/resolved", {"threadId": self.running_turn["thread"], "requestId": request_id})
        return answer

    def check_answer(self, method, answer, valid):
        if "result" in answer and not valid(answer["result"]):
            self.recorder.event("invalid_answer", method=method, answer=answer["result"])
            return False
        return True

    # MARK: - steps

    def op_agentMessage(self, step):
        self.message_counter += 1
        item = {"type": "agentMessage", "id": step.get("id", f"msg_{self.message_counter}"), "text": "", "phase": None,
                "memoryCitation": None, "delivery": None, "questions": None}
        deltas = step.get("deltas")
        if deltas is None:
            item["text"] = step["text"]
        self.item("started", item)
        for delta in deltas or []:
            self.notify("item/agentMessage/delta", {"threadId": self.running_turn["thread"],
                                                    "turnId": self.running_turn["turn"], "itemId": item["id"], "delta": delta})
        item = dict(item, text=step["text"])
        self.item("completed", item)
        self.last_agent_message = item

    def usage_breakdown(self, usage):
        return {"totalTokens": usage.get("input", 0) + usage.get("output", 0), "inputTokens": usage.get("input", 0),
                "cachedInputTokens": usage.get("cached", 0), "cacheWriteInputTokens": 0,
                "outputTokens": usage.get("output", 0), "reasoningOutputTokens": usage.get("reasoning", 0)}

    def op_tokenUsage(self, step):
        for key in ("input", "cached", "output", "reasoning"):
            self.token_total[key] = self.token_total.get(key, 0) + step.get(key, 0)
        total = self.usage_breakdown(self.token_total)
        if "overrideTotal" in step:
            total = self.usage_breakdown(step["overrideTotal"])
        self.notify("thread/tokenUsage/updated", {
            "threadId": self.running_turn["thread"], "turnId": self.running_turn["turn"],
            "tokenUsage": {"total": total, "last": self.usage_breakdown(step), "modelContextWindow": 258400}})

    def op_rateLimits(self, step):
        limits = {"limitId": "codex", "limitName": None, "normalModelSlug": None, "primary": None, "secondary": None,
                  "credits": None, "individualLimit": None, "spendControlReached": None, "planType": None,
                  "rateLimitReachedType": None}
        limits.update({key: value for key, value in step.items() if key != "op"})
        self.notify("account/rateLimits/updated", {"rateLimits": limits})

    def op_commandApproval(self, step):
        self.message_counter += 1
        turn = self.running_turn
        command = f"/bin/bash -lc '{step['command']}'"
        cwd = self.threads[turn["thread"]]["cwd"]
        actions = [{"type": "unknown", "command": step["command"]}]
        item = {"type": "commandExecution", "id": f"call_cmd{self.message_counter}", "pluginId": None, "scriptPath": None,
                "command": command, "cwd": cwd, "processId": None, "source": "agent", "status": "inProgress",
                "commandActions": actions, "aggregatedOutput": None, "exitCode": None, "durationMs": None}
        self.status(["waitingOnApproval"])
        self.item("started", item)
        amendment = step["command"].split()
        answer = self.server_request("item/commandExecution/requestApproval", {
            "kind": "command", "threadId": turn["thread"], "turnId": turn["turn"], "itemId": item["id"],
            "startedAtMs": now_ms(), "environmentId": "local", "reason": step.get("reason"), "command": command,
            "cwd": cwd, "commandActions": actions, "proposedExecpolicyAmendment": amendment,
            "availableDecisions": ["accept", {"acceptWithExecpolicyAmendment": {"execpolicy_amendment": amendment}}, "cancel"]})
        self.finish_approval(item, answer, "item/commandExecution/requestApproval", exit_code=0)

    def op_fileChangeApproval(self, step):
        self.message_counter += 1
        turn = self.running_turn
        item = {"type": "fileChange", "id": f"call_patch{self.message_counter}", "status": "inProgress",
                "changes": [{"path": step["path"], "kind": {"type": "update", "move_path": None}, "diff": step.get("diff", "")}]}
        self.status(["waitingOnApproval"])
        self.item("started", item)
        answer = self.server_request("item/fileChange/requestApproval", {
            "threadId": turn["thread"], "turnId": turn["turn"], "itemId": item["id"], "startedAtMs": now_ms(),
            "reason": step.get("reason"), "grantRoot": None})
        self.finish_approval(item, answer, "item/fileChange/requestApproval")

    def finish_approval(self, item, answer, method, exit_code=None):
        def valid(result):
            decision = result.get("decision") if isinstance(result, dict) else None
            if isinstance(decision, dict):
                return len(decision) == 1 and next(iter(decision)) in V2_DECISION_OBJECTS
            return decision in V2_DECISIONS
        status = "failed"
        decision = None
        if self.check_answer(method, answer, valid) and "result" in answer:
            decision = answer["result"]["decision"]
            status = "declined" if decision in ("decline", "cancel") else "completed"
        self.status([])
        completed = dict(item, status=status)
        if item["type"] == "commandExecution" and status == "completed":
            completed.update(exitCode=exit_code, durationMs=0, processId="4242", source="unifiedExecStartup")
        self.item("completed", completed)
        if decision == "cancel":
            raise Interrupted()

    def op_permissionsApproval(self, step):
        turn = self.running_turn
        permissions = step.get("permissions", {"network": {"enabled": True}, "fileSystem": None})
        self.status(["waitingOnApproval"])
        answer = self.server_request("item/permissions/requestApproval", {
            "threadId": turn["thread"], "turnId": turn["turn"], "itemId": f"call_perm{self.next_server_id}",
            "startedAtMs": now_ms(), "cwd": self.threads[turn["thread"]]["cwd"], "environmentId": None,
            "reason": step.get("reason"), "permissions": permissions})
        self.check_answer("item/permissions/requestApproval", answer,
                          lambda r: isinstance(r, dict) and isinstance(r.get("permissions"), dict)
                          and r.get("scope", "turn") in ("turn", "session"))
        self.status([])

    def op_legacyExecApproval(self, step):
        turn = self.running_turn
        answer = self.server_request("execCommandApproval", {
            "conversationId": turn["thread"], "callId": f"call_legacy{self.next_server_id}", "approvalId": None,
            "command": ["bash", "-lc", step["command"]], "cwd": self.threads[turn["thread"]]["cwd"],
            "reason": step.get("reason"), "parsedCmd": [{"type": "unknown", "cmd": step["command"]}]})
        self.check_legacy(answer, "execCommandApproval")

    def op_legacyPatchApproval(self, step):
        turn = self.running_turn
        answer = self.server_request("applyPatchApproval", {
            "conversationId": turn["thread"], "callId": f"call_legacy{self.next_server_id}",
            "fileChanges": {step["path"]: {"type": "update", "unified_diff": step.get("diff", ""), "move_path": None}},
            "reason": step.get("reason"), "grantRoot": None})
        self.check_legacy(answer, "applyPatchApproval")

    def check_legacy(self, answer, method):
        def valid(result):
            decision = result.get("decision") if isinstance(result, dict) else None
            if isinstance(decision, dict):
                return len(decision) == 1 and next(iter(decision)) in {"approved_execpolicy_amendment", "network_policy_amendment", "denied"}
            return decision in LEGACY_DECISIONS
        self.check_answer(method, answer, valid)
        if answer.get("result", {}).get("decision") == "abort":
            raise Interrupted()

    def op_userInput(self, step):
        self.message_counter += 1
        turn = self.running_turn
        questions = [dict({"isOther": True, "isSecret": False}, **question) for question in step["questions"]]
        self.status(["waitingOnUserInput"])
        answer = self.server_request("item/tool/requestUserInput", {
            "threadId": turn["thread"], "turnId": turn["turn"], "itemId": f"call_rui{self.message_counter}",
            "questions": questions, "isBlocking": True, "autoResolutionMs": None})

        def valid(result):
            answers = result.get("answers") if isinstance(result, dict) else None
            return isinstance(answers, dict) and all(
                isinstance(a, dict) and isinstance(a.get("answers"), list) and all(isinstance(s, str) for s in a["answers"])
                for a in answers.values())
        self.check_answer("item/tool/requestUserInput", answer, valid)
        self.status([])

    def op_elicitation(self, step):
        turn = self.running_turn
        answer = self.server_request("mcpServer/elicitation/request", {
            "threadId": turn["thread"], "turnId": turn["turn"], "serverName": step.get("serverName", "docs"),
            "mode": "form", "message": step.get("message", "Provide a value"),
            "requestedSchema": step.get("requestedSchema", {"type": "object", "properties": {"value": {"type": "string"}}})})
        self.check_answer("mcpServer/elicitation/request", answer,
                          lambda r: isinstance(r, dict) and r.get("action") in ("accept", "decline", "cancel"))

    def op_toolCall(self, step, request_id=None):
        self.message_counter += 1
        turn = self.running_turn
        call_id = step.get("callId", f"call_dyn{self.message_counter}")
        item = {"type": "dynamicToolCall", "id": call_id, "namespace": None, "tool": step["tool"],
                "arguments": step.get("arguments", {}), "status": "inProgress", "contentItems": None,
                "success": None, "durationMs": None}
        self.item("started", item)
        answer = self.server_request("item/tool/call", {
            "threadId": turn["thread"], "turnId": turn["turn"], "callId": call_id, "namespace": None,
            "tool": step["tool"], "arguments": step.get("arguments", {})}, request_id=request_id)

        def valid(result):
            items = result.get("contentItems") if isinstance(result, dict) else None
            return isinstance(result.get("success"), bool) and isinstance(items, list) and all(
                isinstance(i, dict) and i.get("type") in ("inputText", "inputImage", "inputAudio") for i in items)
        if self.check_answer("item/tool/call", answer, valid) and "result" in answer:
            result = answer["result"]
            completed = dict(item, status="completed" if result["success"] else "failed",
                             contentItems=result["contentItems"], success=result["success"], durationMs=1)
        else:
            completed = dict(item, status="failed", success=False, durationMs=1,
                             contentItems=[{"type": "inputText", "text": "dynamic tool request failed"}])
        self.item("completed", completed)

    def op_requestIdCollision(self, step):
        """A server request whose id equals the client's most recent request id."""
        self.op_toolCall(dict({"tool": "unknown_tool"}, **step), request_id=self.last_client_id)

    def op_request(self, step):
        self.server_request(step["method"], step.get("params", {}))

    def op_notify(self, step):
        self.notify(step["method"], step.get("params", {}))

    def op_error(self, step):
        turn = self.running_turn
        self.notify("error", {
            "error": {"message": step["message"], "codexErrorInfo": step.get("codexErrorInfo"),
                      "additionalDetails": step.get("additionalDetails"), "misalignment": None},
            "willRetry": step.get("willRetry", False), "threadId": turn["thread"], "turnId": turn["turn"]})

    def op_complete(self, step):
        status = step.get("status", "completed")
        error = step.get("error")
        if error is not None:
            error = {"message": error.get("message", ""), "codexErrorInfo": error.get("codexErrorInfo"),
                     "additionalDetails": error.get("additionalDetails"), "misalignment": None}
        if status == "interrupted":
            raise Interrupted()
        self.finish_turn(status, error)

    def op_sleep(self, step):
        self.pause(step["seconds"])

    def op_silence(self, step):
        self.pause(float("inf") if not step.get("seconds") else step["seconds"])

    def op_exit(self, step):
        self.exit_now(step)

    def exit_now(self, step):
        if step.get("stderr"):
            sys.stderr.write(step["stderr"] + "\n")
            sys.stderr.flush()
        self.recorder.event("exit", code=step.get("code", 1))
        os._exit(step.get("code", 1))

    def op_raw(self, step):
        self.write_line(step["text"])

    def op_chunked(self, step):
        data = (json.dumps(step["message"], separators=(",", ":")) + "\n").encode("utf-8")
        chunks = max(1, step.get("chunks", 3))
        size = -(-len(data) // chunks)
        with self.out_lock:
            for start in range(0, len(data), size):
                sys.stdout.buffer.write(data[start:start + size])
                sys.stdout.buffer.flush()
                time.sleep(step.get("delayMs", 20) / 1000)
        self.recorder.line("server->client", data.decode("utf-8").rstrip("\n"))

    def op_bigDelta(self, step):
        turn = self.running_turn
        prefix = {"method": "item/agentMessage/delta", "params": {"threadId": turn["thread"], "turnId": turn["turn"],
                                                                  "itemId": "msg_big", "delta": ""}, "emittedAtMs": now_ms()}
        text = json.dumps(prefix, separators=(",", ":"))
        filler = ("x" * 63 + "\u2028") * (step["bytes"] // 66 + 1)
        self.write_line(text.replace('"delta":""', '"delta":"' + filler + '"'))

    def op_flood(self, step):
        """`count` delta notifications written as fast as possible (benchmarks)."""
        turn = self.running_turn
        lines = []
        for index in range(step["count"]):
            lines.append(json.dumps({"method": "item/agentMessage/delta", "params": {
                "threadId": turn["thread"], "turnId": turn["turn"], "itemId": "msg_flood", "delta": f"token {index} "},
                "emittedAtMs": now_ms()}, separators=(",", ":")))
        with self.out_lock:
            sys.stdout.buffer.write(("\n".join(lines) + "\n").encode("utf-8"))
            sys.stdout.buffer.flush()
        self.recorder.event("flood", count=step["count"])

    def op_spew(self, step):
        """Write a line that is not the protocol (`text`, default `garbage`) forever, as fast as the
        pipe takes it, on stdout (or `stream: stderr`): a hostile agent. Ends with the process."""
        stream = sys.stderr.buffer if step.get("stream") == "stderr" else sys.stdout.buffer
        chunk = ((step.get("text", "garbage") + "\n") * 512).encode("utf-8")
        self.recorder.event("spew", stream=step.get("stream", "stdout"))
        while True:
            with self.out_lock:
                stream.write(chunk)
                stream.flush()

    def op_stderr(self, step):
        sys.stderr.write(step["text"] + "\n")
        sys.stderr.flush()

    def op_spawnChild(self, step):
        """Start a long sleeper in our process group and record its pid (no-orphan tests)."""
        child = subprocess.Popen(["sleep", str(step.get("seconds", 60))], stdin=subprocess.DEVNULL,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.recorder.event("child", pid=child.pid)


def main():
    parser = argparse.ArgumentParser(description="fake codex app-server")
    parser.add_argument("--scenario", required=True)
    parser.add_argument("--record", required=True)
    parser.add_argument("--pidfile")
    args = parser.parse_args()
    with open(args.scenario, encoding="utf-8") as handle:
        scenario = json.load(handle)
    recorder = Recorder(args.record)
    server_options = scenario.get("server", {})

    def on_sigterm(*_):
        recorder.event("sigterm")
        if not server_options.get("ignoreSigterm"):
            os._exit(143)

    signal.signal(signal.SIGTERM, on_sigterm)
    if args.pidfile:
        with open(args.pidfile, "w") as handle:
            handle.write(str(os.getpid()))
    secret_like = sorted(name for name in os.environ if name.startswith("MAESTRO_TEST_"))
    recorder.event("started", pid=os.getpid(), pgid=os.getpgid(0), cwd=os.getcwd(), testEnvironment=secret_like)
    if server_options.get("stderrBanner", True):
        sys.stderr.write("\x1b[2m2026-11-26T02:20:54Z\x1b[0m \x1b[31mERROR\x1b[0m codex_app_server: " + BUBBLEWRAP_WARNING + "\n")
        sys.stderr.flush()
    FakeAppServer(scenario, recorder).run()


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""A strict fake of Linear's GraphQL API for maestro's tests (needs graphql-core==3.2.8).

Every request is parsed and validated against schema.graphql, a subset of Linear's schema with
Linear's names and types, and executed over an in-memory store with Linear's semantics (filters,
newest-first cursor pagination, `Entity not found` errors, non-null propagation, rate-limit headers).

Usage: server.py [--port 0] [--port-file FILE]

GraphQL: POST /graphql with `Authorization: <api key>` (no Bearer for API keys).
Control API (JSON in, JSON out):
  POST /_fake/reset              empty store, no faults, empty journal
  POST /_fake/seed               users, teams (states), projects, issues, relations, api_key, viewer,
                                 generate: {count, team, project, state, ...}; returns the new issues
  GET  /_fake/state              the store (issues with state names, comments, mutations)
  GET  /_fake/requests           the journal: operationName, variables, auth, status, codes, fault
  POST /_fake/clock              {"set": ISO} | {"advance_ms": N} | {"real": true}
  POST /_fake/faults             {"rules": [{"match": {"operationName"?, "nth"?, "any"?}, "times": n,
                                 "action": ..., ...}]} appended to the queue; {"clear": true} empties it
  POST /_fake/change             {"issue", "state"?, "title"?, "assignee"?, "labels"?, "project"?,
                                 "archived"?, "delete"?}: what a person does in Linear
  POST /_fake/webhook            {"issue", "action"?, "secret", "timestamp_offset_ms"?, "bad_signature"?}
                                 returns a signed delivery {"headers", "body"} (not sent anywhere)
  POST /_fake/validate           {"query"}: validation errors of a document, without running it
  POST /_fake/config             {"complexity_cap": N | null, "requests_limit": N}

Fault actions: http_error {status, body: json|html|empty}, rate_limited {variant: "400"|"429",
reset_ms}, auth_error, graphql_errors {errors, data?}, malformed_json, non_json,
slow {delay_ms, where: "headers"|"body"|"after"}, drop_connection, short_page, missing_end_cursor,
duplicate_node_across_pages, complexity_reject.
"""

import argparse
import hashlib
import hmac
import json
import os
import signal
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from graphql import GraphQLError, build_schema, execute, parse, validate  # noqa: E402
from graphql.language import FieldNode, OperationDefinitionNode  # noqa: E402

from store import Store, iso  # noqa: E402
from views import issue_view, root  # noqa: E402

SCHEMA = build_schema(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "schema.graphql")).read())
PAGE_FAULTS = {"short_page", "missing_end_cursor", "duplicate_node_across_pages"}
CONNECTION_FIELDS = {"issues", "labels", "relations", "inverseRelations", "states", "teams", "projects", "workflowStates"}


def js_numbers(value):
    """Serialise like JavaScript: integral floats as integers (`priority: 2`, not `2.0`)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: js_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [js_numbers(v) for v in value]
    return value


def graphql_error(message, code, kind="graphql error", **extra):
    return {"message": message, "extensions": {"type": kind, "code": code, **extra}}


class Context:
    def __init__(self, store, page_fault):
        self.store = store
        self.page_fault = page_fault


class Fake:
    def __init__(self):
        self.store = Store()
        self.lock = self.store.lock
        self.faults = []
        self.journal = []
        self.request_count = 0
        self.complexity_cap = None
        self.requests_limit = 5000
        self.complexity_limit = 3_000_000
        self.requests_remaining = self.requests_limit
        self.complexity_remaining = self.complexity_limit
        self.window_reset_ms = None

    def reset(self):
        with self.lock:
            self.store.reset()
            self.faults = []
            self.journal = []
            self.request_count = 0
            self.complexity_cap = None
            self.requests_remaining = self.requests_limit
            self.complexity_remaining = self.complexity_limit
            self.window_reset_ms = None

    def take_fault(self, operation):
        """The first queued rule matching this request, consumed once."""
        with self.lock:
            for rule in self.faults:
                match = rule.get("match", {"any": True})
                if "operationName" in match and match["operationName"] != operation:
                    continue
                if "nth" in match and match["nth"] != self.request_count:
                    continue
                rule["times"] = rule.get("times", 1) - 1
                if rule["times"] <= 0:
                    self.faults.remove(rule)
                return rule
        return None

    def rate_headers(self, complexity, exhausted=False, reset_ms=None):
        now = self.store.now_ms()
        if self.window_reset_ms is None or now >= self.window_reset_ms:
            self.window_reset_ms = now + 3_600_000
            self.requests_remaining = self.requests_limit
            self.complexity_remaining = self.complexity_limit
        self.requests_remaining = max(0, self.requests_remaining - 1)
        self.complexity_remaining = max(0, self.complexity_remaining - int(complexity))
        reset = now + reset_ms if reset_ms is not None else self.window_reset_ms
        return {
            "x-ratelimit-requests-limit": str(self.requests_limit),
            "x-ratelimit-requests-remaining": "0" if exhausted else str(self.requests_remaining),
            "x-ratelimit-requests-reset": str(reset),
            "x-ratelimit-complexity-limit": str(self.complexity_limit),
            "x-ratelimit-complexity-remaining": "0" if exhausted else str(self.complexity_remaining),
            "x-ratelimit-complexity-reset": str(reset),
            "x-complexity": str(int(complexity)),
        }


def estimate_complexity(document, variables):
    """The published rule: 0.1 per scalar, 1 per object, connections multiply by `first` (or 50)."""

    def argument(field, name):
        for arg in field.arguments or []:
            if arg.name.value == name:
                node = arg.value
                if node.kind == "variable":
                    value = (variables or {}).get(node.name.value)
                    return value if isinstance(value, int) else None
                if node.kind == "int_value":
                    return int(node.value)
        return None

    def walk(selection_set, multiplier):
        cost = 0.0
        for selection in selection_set.selections if selection_set else []:
            if not isinstance(selection, FieldNode):
                continue
            if selection.selection_set is None:
                cost += 0.1 * multiplier
                continue
            inner = multiplier
            if selection.name.value in CONNECTION_FIELDS:
                inner = multiplier * (argument(selection, "first") or 50)
            cost += multiplier + walk(selection.selection_set, inner)
        return cost

    total = 0.0
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            total += walk(definition.selection_set, 1)
    return total


FAKE = Fake()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # quiet
        pass

    # MARK: - Plumbing

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def send(self, status, payload=None, headers=None, raw=None, content_type="application/json; charset=utf-8"):
        body = raw if raw is not None else (json.dumps(js_numbers(payload)).encode() if payload is not None else b"")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        with FAKE.lock:
            if self.path == "/_fake/state":
                return self.send(200, self.state_dump())
            if self.path == "/_fake/requests":
                return self.send(200, {"requests": FAKE.journal})
        self.send(404, {"errors": [{"message": "not found"}]})

    def do_POST(self):
        body = self.read_body()
        if self.path.startswith("/_fake/"):
            return self.control(self.path[len("/_fake/") :], body)
        if self.path != "/graphql":
            return self.send(404, {"errors": [{"message": f"no route {self.path}"}]})
        try:
            return self.graphql(body)
        except Exception as error:  # a bug in the fake: answer, never hang the client
            return self.send(500, {"errors": [{"message": f"fake server error: {error!r}"}]})

    # MARK: - GraphQL, in the order of the reference (§8.3)

    def graphql(self, raw):
        try:
            request = json.loads(raw or b"null")
        except ValueError:
            request = None
        operation = request.get("operationName") if isinstance(request, dict) else None
        with FAKE.lock:
            FAKE.request_count += 1
            entry = {
                "n": FAKE.request_count,
                "operationName": operation,
                "query": request.get("query") if isinstance(request, dict) else None,
                "variables": request.get("variables") if isinstance(request, dict) else None,
                "auth": self.auth_kind(),
                "at": iso(FAKE.store.now_ms()),
            }
            FAKE.journal.append(entry)
        fault = FAKE.take_fault(operation)
        if fault:
            entry["fault"] = fault["action"]
            if fault["action"] not in PAGE_FAULTS:
                return self.apply_fault(fault, entry)
        if not isinstance(request, dict) or not isinstance(request.get("query"), str) or not request["query"].strip():
            return self.answer(entry, 400, {"errors": [graphql_error("Body must be a JSON object with a query", "BAD_REQUEST")]})
        variables = request.get("variables")
        if variables is not None and not isinstance(variables, dict):
            return self.answer(entry, 400, {"errors": [graphql_error("variables must be an object", "BAD_REQUEST")]})
        auth = self.headers.get("Authorization")
        if entry["auth"] == "bearer":
            return self.finish(
                entry,
                400,
                {
                    "errors": [
                        graphql_error(
                            "It looks like you're trying to use an API key as a Bearer token. Remove the Bearer prefix "
                            "from the Authorization header.",
                            "INPUT_ERROR",
                            kind="invalid input",
                            statusCode=400,
                        )
                    ]
                },
            )
        if auth != FAKE.store.api_key:
            return self.answer(entry, 401, self.auth_body())
        try:
            document = parse(request["query"])
        except GraphQLError as error:
            return self.answer(entry, 400, {"errors": [graphql_error(error.message, "GRAPHQL_PARSE_FAILED")]})
        errors = validate(SCHEMA, document)
        if errors:
            return self.answer(entry, 400, {"errors": [graphql_error(e.message, "GRAPHQL_VALIDATION_FAILED") for e in errors]})
        complexity = estimate_complexity(document, variables)
        if (fault and fault["action"] == "complexity_reject") or (FAKE.complexity_cap and complexity > FAKE.complexity_cap):
            return self.answer(entry, 400, self.too_complex(complexity), complexity=complexity)
        with FAKE.lock:
            context = Context(FAKE.store, fault["action"] if fault else None)
            result = execute(
                SCHEMA,
                document,
                root_value=root(context),
                variable_values=variables,
                operation_name=operation,
            )
            payload = {"errors": [e.formatted for e in result.errors]} if result.errors else {}
            payload["data"] = result.data
            # A copy taken under the lock: the answer is written outside it, since a slow answer
            # must not hold up every other request (Linear answers requests independently).
            payload = json.loads(json.dumps(payload))
        if result.errors and result.data is None and all(not e.path for e in result.errors):
            # Variable coercion: a request error, answered like a validation failure.
            del payload["data"]
            for error in payload["errors"]:
                error["extensions"] = {"type": "graphql error", "code": "GRAPHQL_VALIDATION_FAILED"}
            return self.answer(entry, 400, payload, complexity=complexity)
        return self.answer(entry, 200, payload, complexity=complexity)

    def answer(self, entry, status, payload, complexity=0, headers=None):
        delay = getattr(self, "delay_answer", 0)
        if delay:
            self.delay_answer = 0
            time.sleep(delay)
        with FAKE.lock:
            entry["status"] = status
            entry["codes"] = [(e.get("extensions") or {}).get("code") for e in payload.get("errors", [])]
            rate = FAKE.rate_headers(complexity)
        self.send(status, payload, headers={**rate, **(headers or {})})

    def auth_kind(self):
        value = self.headers.get("Authorization")
        if value is None:
            return "missing"
        if value.startswith("Bearer "):
            return "bearer"
        return "match" if value == FAKE.store.api_key else "other"

    @staticmethod
    def auth_body():
        return {
            "errors": [
                graphql_error(
                    "Authentication required, not authenticated",
                    "AUTHENTICATION_ERROR",
                    kind="authentication error",
                    statusCode=401,
                    userPresentableMessage="You need to authenticate to access this operation.",
                )
            ]
        }

    @staticmethod
    def too_complex(complexity):
        return {
            "errors": [
                graphql_error(
                    "Query too complex",
                    "INPUT_ERROR",
                    kind="invalid input",
                    statusCode=400,
                    userPresentableMessage=f"The query is too complex. Complexity: {complexity}. Maximum allowed complexity: 10000.",
                )
            ]
        }

    # MARK: - Faults

    def apply_fault(self, fault, entry):
        action = fault["action"]
        if action == "drop_connection":
            entry["status"] = None
            self.close_connection = True
            self.connection.close()
            return
        if action == "slow":
            delay = fault.get("delay_ms", 2000) / 1000
            if fault.get("where") == "after":
                # The request is carried out; only the answer is late (a write that lands, unseen).
                self.delay_answer = delay
                return self.graphql_after_delay(entry)
            if fault.get("where", "headers") == "headers":
                time.sleep(delay)
                fault = dict(fault, action="none")
            else:
                body = b'{"data": {"viewer": '
                self.send_response(200)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body) + 20))
                self.end_headers()
                self.wfile.write(body)
                self.wfile.flush()
                time.sleep(delay)
                self.close_connection = True
                return
        if action == "none":
            return self.graphql_after_delay(entry)
        if action == "http_error":
            status = fault.get("status", 500)
            kind = fault.get("body", "json")
            entry["status"] = status
            if kind == "html":
                return self.send(status, raw=b"<html><body>502 Bad Gateway</body></html>", content_type="text/html")
            if kind == "empty":
                return self.send(status, raw=b"")
            return self.send(status, {"errors": [graphql_error("Internal server error", "INTERNAL_SERVER_ERROR", kind="internal error")]})
        if action == "rate_limited":
            reset_ms = fault.get("reset_ms", 1000)
            status = 429 if str(fault.get("variant", "400")) == "429" else 400
            with FAKE.lock:
                headers = FAKE.rate_headers(0, exhausted=True, reset_ms=reset_ms)
            headers["retry-after"] = str(max(1, reset_ms // 1000))
            entry["status"] = status
            entry["codes"] = ["RATELIMITED"]
            body = {
                "errors": [
                    graphql_error(
                        "Rate limit exceeded. Only 5000 requests are allowed per 1 hour.",
                        "RATELIMITED",
                        kind="ratelimited",
                        statusCode=429,
                        userPresentableMessage="You have exceeded the rate limit.",
                    )
                ]
            }
            return self.send(status, body, headers=headers)
        if action == "auth_error":
            entry["status"] = 401
            return self.send(401, self.auth_body())
        if action == "graphql_errors":
            payload = {"errors": fault.get("errors") or [graphql_error("Something failed", "INTERNAL_SERVER_ERROR", kind="internal error")]}
            if "data" in fault:
                payload["data"] = fault["data"]
            entry["status"] = 200
            return self.send(200, payload)
        if action == "malformed_json":
            entry["status"] = 200
            return self.send(200, raw=b'{"data": {"issues": {"nodes": [{"id": "x", "ident')
        if action == "non_json":
            entry["status"] = 200
            return self.send(200, raw=b"<html><body>Service temporarily unavailable</body></html>", content_type="text/html")
        if action == "complexity_reject":
            entry["status"] = 400
            return self.send(400, self.too_complex(12304.99))
        entry["status"] = 500
        return self.send(500, {"errors": [{"message": f"unknown fault action {action}"}]})

    def graphql_after_delay(self, entry):
        # The request body was already read; re-run the normal path with the stored request.
        request = {"query": entry.get("query"), "variables": entry.get("variables"), "operationName": entry.get("operationName")}
        with FAKE.lock:
            FAKE.journal.remove(entry)
            FAKE.request_count -= 1
        return self.graphql(json.dumps(request).encode())

    # MARK: - Control API

    def control(self, name, raw):
        try:
            payload = json.loads(raw or b"{}")
        except ValueError:
            return self.send(400, {"error": "body must be JSON"})
        try:
            with FAKE.lock:
                if name == "reset":
                    FAKE.reset()
                    return self.send(200, {"ok": True})
                if name == "seed":
                    return self.send(200, {"issues": FAKE.store.seed(payload)})
                if name == "clock":
                    if payload.get("real"):
                        FAKE.store.clock_ms = None
                    elif "set" in payload:
                        from store import parse_iso

                        FAKE.store.clock_ms = parse_iso(payload["set"])
                    elif "advance_ms" in payload:
                        FAKE.store.clock_ms = FAKE.store.now_ms() + int(payload["advance_ms"])
                    return self.send(200, {"now": iso(FAKE.store.now_ms())})
                if name == "faults":
                    if payload.get("clear"):
                        FAKE.faults = []
                    FAKE.faults.extend(payload.get("rules", []))
                    return self.send(200, {"queued": len(FAKE.faults)})
                if name == "change":
                    issue = FAKE.store.change(payload["issue"], payload)
                    return self.send(200, {"id": issue["id"], "identifier": issue["identifier"]})
                if name == "webhook":
                    return self.send(200, self.webhook(payload))
                if name == "validate":
                    errors = validate(SCHEMA, parse(payload["query"]))
                    return self.send(200, {"errors": [e.message for e in errors]})
                if name == "config":
                    if "complexity_cap" in payload:
                        FAKE.complexity_cap = payload["complexity_cap"]
                    if "requests_limit" in payload:
                        FAKE.requests_limit = payload["requests_limit"]
                        FAKE.requests_remaining = payload["requests_limit"]
                    return self.send(200, {"ok": True})
        except GraphQLError as error:
            return self.send(400, {"error": error.message})
        except KeyError as error:
            return self.send(400, {"error": f"missing {error}"})
        return self.send(404, {"error": f"no control endpoint {name}"})

    def webhook(self, payload):
        store = FAKE.store
        issue = store.issue(payload["issue"])
        state = store.states[issue["state_id"]]
        now = store.now_ms()
        data = {
            "id": issue["id"],
            "identifier": issue["identifier"],
            "title": issue["title"],
            "priority": issue["priority"],
            "stateId": state["id"],
            "state": {"id": state["id"], "name": state["name"], "type": state["type"]},
            "teamId": issue["team_id"],
            "projectId": issue["project_id"],
            "assigneeId": issue["assignee_id"],
            "createdAt": iso(issue["createdAt"]),
            "updatedAt": iso(issue["updatedAt"]),
        }
        body = {
            "action": payload.get("action", "update"),
            "type": payload.get("type", "Issue"),
            "data": data,
            "url": issue["url"],
            "createdAt": iso(now),
            "organizationId": "fake-organization",
            "webhookTimestamp": now + int(payload.get("timestamp_offset_ms", 0)),
            "webhookId": str(uuid.uuid4()),
        }
        raw = json.dumps(body, separators=(",", ":"))
        signature = hmac.new(payload["secret"].encode(), raw.encode(), hashlib.sha256).hexdigest()
        if payload.get("bad_signature"):
            signature = "0" * 64
        return {
            "headers": {
                "content-type": "application/json; charset=utf-8",
                "linear-delivery": str(uuid.uuid4()),
                "linear-event": body["type"],
                "linear-signature": signature,
                "user-agent": "Linear-Webhook",
            },
            "body": raw,
        }

    def state_dump(self):
        store = FAKE.store
        return {
            "issues": [
                {
                    **{k: v for k, v in issue_view(store, issue).items() if not callable(v)},
                    "state": store.states[issue["state_id"]]["name"],
                    "stateType": store.states[issue["state_id"]]["type"],
                    "assignee": issue["assignee_id"],
                    "project": issue["project_id"],
                    "labels": [store.labels[l]["name"] for l in issue["label_ids"]],
                }
                for issue in store.issues.values()
            ],
            "comments": [
                {"issue": store.issues[c["issue_id"]]["identifier"] if c["issue_id"] in store.issues else None, "body": c["body"]}
                for c in store.comments
            ],
            "mutations": store.mutations,
            "teams": [
                {"id": t["id"], "key": t["key"], "states": [dict(store.states[s]) for s in t["states"]]} for t in store.teams.values()
            ],
            "projects": [{k: v for k, v in p.items()} for p in store.projects.values()],
        }


def main():
    # A parent may have spawned us with signals blocked (threads of Swift's runtime block them):
    # unblock the ones that stop a server.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT, signal.SIGHUP})
    for number in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, signal.SIG_DFL)
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file")
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    port = server.server_address[1]
    if args.port_file:
        temporary = args.port_file + ".tmp"
        with open(temporary, "w") as handle:
            handle.write(str(port))
        os.replace(temporary, args.port_file)
    else:
        print(port, flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()

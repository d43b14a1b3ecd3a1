#!/usr/bin/env python3
"""Validates every message a client sent to `codex app-server` (or, with `--side server`, every
message a server sent) against the JSON Schema that the Codex binary generates
(`codex app-server generate-json-schema --experimental --out DIR`).

Input, one or more of (each record, and the client/server pair, is checked as its own connection):
  --record FILE          a fake app-server record or a transcript: {"dir", "line"} per message (repeatable)
  --client FILE          raw client->server lines (e.g. captured with `tee`)
  --server FILE          raw server->client lines, to learn which server request each answer is for

Checks: requests and notifications against the branch of ClientRequest/ClientNotification for their
method (unknown method = violation); answers to server requests against <Name>Response.json for
that request's method; error answers have an integer code and a string message; no "jsonrpc"
member; client request ids unique and increasing. Server side: requests and notifications against
ServerRequest/ServerNotification, notifications carry an integer `emittedAtMs`, answers to client
requests against the v1/v2 <Name>Response.json of that request's method, server request ids
unique and increasing. Prints {"checked": N, "violations": [...]} and
exits 1 when there is any violation.
"""

import argparse
import json
import os
import sys

from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7


def load(directory, name):
    with open(os.path.join(directory, name), encoding="utf-8") as handle:
        return json.load(handle)


class Validators:
    def __init__(self, directory):
        self.directory = directory
        self.registry = Registry()
        self.by_method = {}
        self.server_request_params = {}
        for envelope in ("ClientRequest.json", "ClientNotification.json", "ServerRequest.json", "ServerNotification.json"):
            document = self.register(envelope)
            for index, branch in enumerate(document["oneOf"]):
                method = branch["properties"]["method"]["enum"][0]
                self.by_method[(envelope, method)] = self.validator(envelope, f"#/oneOf/{index}")
        for branch in load(directory, "ServerRequest.json")["oneOf"]:
            method = branch["properties"]["method"]["enum"][0]
            params = branch["properties"]["params"]["$ref"].rsplit("/", 1)[-1]
            self.server_request_params[method] = params
        self.client_request_params = {}
        for branch in load(directory, "ClientRequest.json")["oneOf"]:
            method = branch["properties"]["method"]["enum"][0]
            params = branch["properties"].get("params", {}).get("$ref", "")
            self.client_request_params[method] = params.rsplit("/", 1)[-1]
        self.answers = {}
        self.server_answers = {}

    def register(self, name):
        document = load(self.directory, name)
        self.registry = self.registry.with_resource(f"urn:codex:{name}", Resource.from_contents(document, DRAFT7))
        return document

    def validator(self, name, pointer):
        return Draft7Validator({"$ref": f"urn:codex:{name}{pointer}"}, registry=self.registry)

    def for_message(self, envelope, method):
        return self.by_method.get((envelope, method))

    def for_answer(self, server_method):
        if server_method not in self.answers:
            params = self.server_request_params.get(server_method)
            name = params[: -len("Params")] + "Response.json" if params and params.endswith("Params") else None
            if name is None or not os.path.exists(os.path.join(self.directory, name)):
                self.answers[server_method] = None
            else:
                self.register(name)
                self.answers[server_method] = self.validator(name, "")
        return self.answers[server_method]


    def for_server_answer(self, client_method):
        """The validator for the server's result of `client_method`, from v2/ or v1/ <Name>Response.json."""
        if client_method not in self.server_answers:
            params = self.client_request_params.get(client_method, "")
            validator = None
            if params.endswith("Params"):
                for folder in ("v2", "v1", ""):
                    name = os.path.join(folder, params[: -len("Params")] + "Response.json")
                    if os.path.exists(os.path.join(self.directory, name)):
                        self.register(name)
                        validator = self.validator(name, "")
                        break
            self.server_answers[client_method] = validator
        return self.server_answers[client_method]


def conversations(args):
    """Each record, and the client/server capture pair, is its own connection: lists of (direction, line)."""
    for path in args.record or []:
        lines = []
        with open(path, encoding="utf-8") as handle:
            for text in handle:
                entry = json.loads(text)
                if "dir" in entry:
                    lines.append((entry["dir"], entry["line"]))
        yield path, lines
    if args.client or args.server:
        lines = []
        for path, direction in ((args.server, "server->client"), (args.client, "client->server")):
            if path:
                with open(path, encoding="utf-8", errors="replace") as handle:
                    lines += [(direction, text.rstrip("\n")) for text in handle if text.strip()]
        yield args.client or args.server, lines


def check(validators, source, lines, violations):
    """Validates the client side of one connection; returns how many client messages were checked."""
    server_requests = {}
    for direction, text in lines:
        if direction == "server->client":
            try:
                message = json.loads(text)
            except ValueError:
                continue
            if isinstance(message, dict) and "method" in message and "id" in message:
                server_requests[message["id"]] = message["method"]

    checked = 0
    last_id = None
    seen_ids = set()
    for number, (direction, text) in enumerate(lines, 1):
        if direction != "client->server":
            continue
        checked += 1

        def violation(reason):
            violations.append({"source": source, "line": number, "reason": reason, "message": text[:500]})

        try:
            message = json.loads(text)
        except ValueError as error:
            violation(f"not JSON: {error}")
            continue
        if not isinstance(message, dict):
            violation("not a JSON object")
            continue
        if "jsonrpc" in message:
            violation('carries a "jsonrpc" member')
        method = message.get("method")
        if method is not None:
            is_request = "id" in message
            envelope = "ClientRequest.json" if is_request else "ClientNotification.json"
            validator = validators.for_message(envelope, method)
            if validator is None:
                violation(f"unknown client {'request' if is_request else 'notification'} method {method}")
                continue
            errors = sorted(validator.iter_errors(message), key=lambda e: list(e.absolute_path))
            for error in errors[:3]:
                violation(f"{method}: {error.message} at {list(error.absolute_path)}")
            if is_request:
                request_id = message["id"]
                if request_id in seen_ids:
                    violation(f"request id {request_id} reused")
                if isinstance(request_id, int) and isinstance(last_id, int) and request_id <= last_id:
                    violation(f"request id {request_id} not increasing")
                seen_ids.add(request_id)
                last_id = request_id
            continue
        request_id = message.get("id")
        server_method = server_requests.get(request_id)
        if server_method is None:
            violation(f"answer to unknown server request id {request_id}")
            continue
        if "error" in message:
            error = message["error"]
            if not (isinstance(error, dict) and isinstance(error.get("code"), int) and isinstance(error.get("message"), str)):
                violation("error answer without integer code and string message")
            continue
        if "result" not in message:
            violation("answer with neither result nor error")
            continue
        validator = validators.for_answer(server_method)
        if validator is None:
            violation(f"no response schema for server request {server_method}")
            continue
        for error in list(validator.iter_errors(message["result"]))[:3]:
            violation(f"answer to {server_method}: {error.message} at {list(error.absolute_path)}")
    return checked


def check_server(validators, source, lines, violations):
    """Validates the server side of one connection; returns how many server messages were checked."""
    client_requests = {}
    for direction, text in lines:
        if direction == "client->server":
            try:
                message = json.loads(text)
            except ValueError:
                continue
            if isinstance(message, dict) and "method" in message and "id" in message:
                client_requests[json.dumps(message["id"])] = message["method"]

    checked = 0
    last_id = None
    seen_ids = set()
    for number, (direction, text) in enumerate(lines, 1):
        if direction != "server->client":
            continue
        checked += 1

        def violation(reason):
            violations.append({"source": source, "line": number, "reason": reason, "message": text[:500]})

        try:
            message = json.loads(text)
        except ValueError as error:
            violation(f"not JSON: {error}")
            continue
        if not isinstance(message, dict):
            violation("not a JSON object")
            continue
        if "jsonrpc" in message:
            violation('carries a "jsonrpc" member')
        method = message.get("method")
        if method is not None:
            is_request = "id" in message
            envelope = "ServerRequest.json" if is_request else "ServerNotification.json"
            validator = validators.for_message(envelope, method)
            if validator is None:
                violation(f"unknown server {'request' if is_request else 'notification'} method {method}")
                continue
            for error in sorted(validator.iter_errors(message), key=lambda e: list(e.absolute_path))[:3]:
                violation(f"{method}: {error.message} at {list(error.absolute_path)}")
            if is_request:
                request_id = message["id"]
                if request_id in seen_ids:
                    violation(f"server request id {request_id} reused")
                if isinstance(request_id, int) and isinstance(last_id, int) and request_id <= last_id:
                    violation(f"server request id {request_id} not increasing")
                seen_ids.add(request_id)
                last_id = request_id
            elif not isinstance(message.get("emittedAtMs"), int):
                violation("notification without an integer emittedAtMs")
            continue
        client_method = client_requests.get(json.dumps(message.get("id")))
        if client_method is None:
            violation(f"answer to unknown client request id {message.get('id')}")
            continue
        if "error" in message:
            error = message["error"]
            if not (isinstance(error, dict) and isinstance(error.get("code"), int) and isinstance(error.get("message"), str)):
                violation("error answer without integer code and string message")
            continue
        if "result" not in message:
            violation("answer with neither result nor error")
            continue
        validator = validators.for_server_answer(client_method)
        if validator is None:
            violation(f"no response schema for client request {client_method}")
            continue
        for error in list(validator.iter_errors(message["result"]))[:3]:
            violation(f"answer to {client_method}: {error.message} at {list(error.absolute_path)}")
    return checked


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schema", required=True)
    parser.add_argument("--record", action="append")
    parser.add_argument("--client")
    parser.add_argument("--server")
    parser.add_argument("--side", choices=("client", "server", "both"), default="client")
    args = parser.parse_args()
    validators = Validators(args.schema)
    violations = []
    checked = 0
    for source, lines in conversations(args):
        if args.side in ("client", "both"):
            checked += check(validators, source, lines, violations)
        if args.side in ("server", "both"):
            checked += check_server(validators, source, lines, violations)
    print(json.dumps({"checked": checked, "violations": violations}, indent=1))
    sys.exit(1 if violations else 0)


if __name__ == "__main__":
    main()

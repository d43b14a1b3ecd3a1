#!/usr/bin/env python3
"""Drive `maestro mcp` with the real Python MCP client (PyPI `mcp` 2.3.0) against live daemons.

The script owns the daemons: it starts `maestro run` in WORKDIR (whose WORKFLOW.md runs the fake
agent), restarts it gracefully and by SIGKILL while one `maestro mcp` session stays open, and checks:
no daemon (exit status and exact message), initialize, the tool and resource lists, an unknown tool,
bad arguments, a project and an issue, a subscription that follows the issue through its lifecycle,
its execution, the next read after a restart, and a tool call interrupted by a daemon's death that
fails with a JSON-RPC error and is not sent again.

Exit status 0 only if every check passed; the last line is OK or the number of failed checks.
"""
import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import warnings

from mcp import ClientSession, StdioServerParameters, types
from mcp.client.stdio import stdio_client
from mcp.shared.exceptions import MCPDeprecationWarning, MCPError

# mcp 2.x marks resources/subscribe as removed from a protocol revision after the one both sides
# negotiate (2025-11-25); it is the subscription this check is about.
warnings.filterwarnings("ignore", category=MCPDeprecationWarning)

FAILURES: list[str] = []


def check(condition: bool, what: str) -> bool:
    print(("ok   " if condition else "FAIL ") + what, flush=True)
    if not condition:
        FAILURES.append(what)
    return condition


def envelope(result) -> dict:
    texts = [c.text for c in result.content if getattr(c, "type", "") == "text"]
    return json.loads(texts[0]) if len(texts) == 1 else {}


class Daemon:
    """One `maestro run` process in the work directory."""

    def __init__(self, ns: argparse.Namespace, env: dict[str, str], name: str):
        self.log_path = os.path.join(ns.workdir, f"{name}.log")
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [ns.maestro, "run", "WORKFLOW.md", "--db", ns.db], cwd=ns.workdir, env=env,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self.log)

    def wait_listening(self, limit: float = 30) -> bool:
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline and self.process.poll() is None:
            with open(self.log_path) as handle:
                if "mcp endpoint listening" in handle.read():
                    return True
            time.sleep(0.05)
        return False

    def stop(self, limit: float = 30) -> int | None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(limit)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return None

    def tail(self) -> str:
        with open(self.log_path) as handle:
            return handle.read()[-2000:]


async def call(session: ClientSession, name: str, arguments: dict, limit: float):
    return await asyncio.wait_for(session.call_tool(name, arguments), limit)


async def session_checks(ns: argparse.Namespace, env: dict[str, str], first: Daemon) -> Daemon:
    updates: asyncio.Queue[str] = asyncio.Queue()

    async def on_message(message) -> None:
        if isinstance(message, types.ResourceUpdatedNotification):
            await updates.put(str(message.params.uri))

    params = StdioServerParameters(command=ns.maestro, args=["mcp", "--db", ns.db], env=env, cwd=ns.workdir)
    daemon = first
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write, message_handler=on_message) as session:
            init = await asyncio.wait_for(session.initialize(), ns.timeout)
            check(init.server_info.name == "maestro", f"initialize: {init.server_info.name} {init.protocol_version}")

            tools = {tool.name: tool for tool in (await asyncio.wait_for(session.list_tools(), ns.timeout)).tools}
            expected = {"server_info", "create_issue", "get_issue", "list_issues", "get_issue_execution", "answer_blocked", "get_graph"}
            check(expected <= set(tools) and len(tools) >= 25, f"tools/list: {len(tools)} tools")
            check(tools["get_issue"].annotations.read_only_hint is True, "get_issue is marked read-only")
            resources = (await asyncio.wait_for(session.list_resources(), ns.timeout)).resources
            check({str(r.uri) for r in resources} == {"maestro://board", "maestro://graph", "maestro://workflow"}, "resources/list")
            templates = (await asyncio.wait_for(session.list_resource_templates(), ns.timeout)).resource_templates
            check([t.uri_template for t in templates] == ["maestro://issues/{identifier}"], "resources/templates/list")

            unknown = await call(session, "no_such_tool", {}, ns.timeout)
            check(unknown.is_error and envelope(unknown).get("error", {}).get("code") == "unknown_tool", "an unknown tool is an error")
            bad = await call(session, "create_issue", {"project": "INT"}, ns.timeout)
            error = envelope(bad).get("error", {})
            check(bad.is_error and error.get("code") == "invalid_value" and "'title'" in error.get("message", ""),
                  f"bad arguments: {error}")

            project = envelope(await call(session, "create_project", {"name": "Interop", "key": "INT"}, ns.timeout))
            check(project.get("ok") is True and project["data"]["key"] == "INT", "create_project")
            created = envelope(await call(session, "create_issue",
                                          {"project": "INT", "title": "through the lifecycle", "state": "backlog"}, ns.timeout))
            check(created.get("ok") is True and created["data"]["identifier"] == "INT-1", "create_issue")

            # Subscribed before the issue becomes active: every transition of its run is announced.
            await asyncio.wait_for(session.subscribe_resource("maestro://issues/INT-1"), ns.timeout)
            moved = envelope(await call(session, "move_issue", {"identifier": "INT-1", "state": "todo"}, ns.timeout))
            check(moved.get("ok") is True, "move_issue to todo")
            states: list[str] = []
            uris: set[str] = set()
            deadline = time.monotonic() + ns.timeout * 3
            while time.monotonic() < deadline and states[-1:] != ["closed"]:
                try:
                    uri = await asyncio.wait_for(updates.get(), deadline - time.monotonic())
                except asyncio.TimeoutError:
                    break
                uris.add(uri)
                contents = (await asyncio.wait_for(session.read_resource(uri), ns.timeout)).contents
                state = json.loads(contents[0].text)["issue"]["lifecycle"]["state"]
                if states[-1:] != [state]:
                    states.append(state)
            check(states[-1:] == ["closed"] and len(states) >= 2, f"the subscription followed the issue: {states}")
            check(uris == {"maestro://issues/INT-1"}, f"notifications named the issue: {uris}")

            execution = envelope(await call(session, "get_issue_execution", {"identifier": "INT-1"}, ns.timeout)).get("data", {})
            events = [t["event"] for t in execution.get("transitions", [])]
            check(events[-5:] == ["dispatch", "workspace_ready", "run_ended", "run_ended", "run_ended"], f"execution: {events}")
            check(len(execution.get("sessions", [])) == 3 and execution.get("last_error") is None, "three sessions, no error")

            # A graceful restart: the next read works, and the subscription is replayed with a hint.
            while not updates.empty():
                updates.get_nowait()
            status = daemon.stop()
            if not check(status == 0, f"the first daemon stops on SIGTERM with status 0 (got {status})"):
                print(daemon.tail(), file=sys.stderr)
            daemon = Daemon(ns, env, "daemon-2")
            check(daemon.wait_listening(), "the second daemon listens")
            again = envelope(await call(session, "get_issue", {"identifier": "INT-1"}, ns.timeout))
            check(again.get("ok") is True and again["data"]["lifecycle"]["state"] == "closed", "get_issue after the restart")
            try:
                hint = await asyncio.wait_for(updates.get(), ns.timeout)
            except asyncio.TimeoutError:
                hint = None
            check(hint == "maestro://issues/INT-1", f"the replayed subscription announced the issue: {hint}")

            # A daemon frozen with calls in flight, then killed: the read is sent again to the next
            # daemon, the create fails and is not repeated.
            daemon.process.send_signal(signal.SIGSTOP)
            create = asyncio.ensure_future(call(session, "create_issue", {"project": "INT", "title": "never twice"}, ns.timeout * 2))
            read = asyncio.ensure_future(call(session, "get_issue", {"identifier": "INT-1"}, ns.timeout * 2))
            await asyncio.sleep(0.5)  # lets the bridge forward both to the frozen daemon
            daemon.process.send_signal(signal.SIGKILL)
            daemon.process.wait(10)
            daemon = Daemon(ns, env, "daemon-3")
            check(daemon.wait_listening(), "the third daemon listens")
            try:
                await create
                check(False, "the interrupted create_issue fails")
            except MCPError as failure:
                check(failure.code == -32010 and "not sent again" in failure.message, f"the interrupted create fails: {failure.message}")
            result = envelope(await read)
            check(result.get("ok") is True, "the interrupted get_issue is answered by the next daemon")
            listed = envelope(await call(session, "list_issues", {"search": "never twice"}, ns.timeout))
            found = [(i["identifier"], i["created_at"]) for i in listed.get("data", {}).get("items", [])]
            if not check(listed.get("ok") is True and found == [], f"the interrupted create was not sent again: {listed}"):
                for name in ("daemon-2", "daemon-3"):
                    with open(os.path.join(ns.workdir, f"{name}.log")) as handle:
                        print(f"--- {name}\n" + handle.read()[-3000:], file=sys.stderr)
    return daemon


def no_daemon_check(ns: argparse.Namespace, env: dict[str, str]) -> None:
    result = subprocess.run([ns.maestro, "mcp", "--db", ns.db], cwd=ns.workdir, env=env, stdin=subprocess.DEVNULL,
                            capture_output=True, timeout=30)
    message = f"no live maestro daemon for {ns.db}; start 'maestro run --db {ns.db}' first\n"
    check(result.returncode == 1 and result.stdout == b"" and result.stderr.decode() == message,
          f"no daemon: status {result.returncode}, stdout {result.stdout!r}, stderr {result.stderr.decode()!r}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--maestro", required=True, help="the maestro executable")
    parser.add_argument("--workdir", required=True, help="a directory with the WORKFLOW.md to run")
    parser.add_argument("--db", required=True, help="the database file")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per MCP request (default: 30)")
    ns = parser.parse_args()
    env = dict(os.environ)
    no_daemon_check(ns, env)
    daemon = Daemon(ns, env, "daemon-1")
    try:
        if check(daemon.wait_listening(), "the first daemon listens"):
            daemon = asyncio.run(session_checks(ns, env, daemon))
    except Exception as error:  # a failure outside a check still fails the run, with its reason
        check(False, f"unexpected {type(error).__name__}: {error}")
    finally:
        status = daemon.stop()
        check(status == 0, f"the last daemon stops with status 0 (got {status})")
        if FAILURES:
            print(daemon.tail(), file=sys.stderr)
    print("OK" if not FAILURES else f"{len(FAILURES)} check(s) failed")
    return 0 if not FAILURES else 1


if __name__ == "__main__":
    sys.exit(main())

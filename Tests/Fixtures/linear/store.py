"""The fake Linear's data: users, teams and their workflow states, projects, issues, labels, relations
and comments, with Linear's semantics for what maestro uses (see server.py for the HTTP side).

Resolvers are plain dicts and callables: graphql-core's default resolver reads dict keys and calls
callables with (info, **arguments), so nested connections need no per-field wiring.
"""

import base64
import datetime
import json
import re
import threading
import time
import uuid

from graphql import GraphQLError

DEFAULT_STATES = [
    ("Backlog", "backlog"),
    ("Todo", "unstarted"),
    ("In Progress", "started"),
    ("Done", "completed"),
    ("Canceled", "canceled"),
    ("Duplicate", "duplicate"),
]
PRIORITY_LABELS = {0: "No priority", 1: "Urgent", 2: "High", 3: "Medium", 4: "Low"}


def domain_error(message, code="INPUT_ERROR", kind="invalid input", presentable=None):
    return GraphQLError(
        message,
        extensions={
            "type": kind,
            "code": code,
            "statusCode": 400,
            "userError": True,
            "userPresentableMessage": presentable or message,
        },
    )


def not_found(entity):
    return domain_error(f"Entity not found: {entity}", presentable=f"Could not find referenced {entity}.")


def iso(ms):
    stamp = datetime.datetime.fromtimestamp(ms / 1000, tz=datetime.timezone.utc)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(ms % 1000):03d}Z"


def parse_iso(text):
    try:
        stamp = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (TypeError, ValueError):
        raise domain_error(f"Invalid DateTimeOrDuration: {text!r}")
    return int(stamp.timestamp() * 1000)


def slugify(text):
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "issue"


# MARK: - Comparators and filters (Linear semantics: `eq`/`in` case-sensitive, `eqIgnoreCase` not)


def compare(value, comparator):
    if comparator is None:
        return True
    for op, wanted in comparator.items():
        if op == "eq" and value != wanted:
            return False
        if op == "neq" and value == wanted:
            return False
        if op == "in" and value not in wanted:
            return False
        if op == "nin" and value in wanted:
            return False
        if op == "eqIgnoreCase" and (value or "").lower() != (wanted or "").lower():
            return False
        if op == "neqIgnoreCase" and (value or "").lower() == (wanted or "").lower():
            return False
        if op in ("lt", "lte", "gt", "gte"):
            limit = parse_iso(wanted)
            if value is None:
                return False
            if op == "lt" and not value < limit:
                return False
            if op == "lte" and not value <= limit:
                return False
            if op == "gt" and not value > limit:
                return False
            if op == "gte" and not value >= limit:
                return False
    return True


def combined(filter_, matches, item):
    """`and`/`or` lists of the same filter type, around the type-specific `matches`."""
    if filter_ is None:
        return True
    if not matches(filter_, item):
        return False
    if "and" in filter_ and not all(combined(sub, matches, item) for sub in filter_["and"]):
        return False
    if "or" in filter_ and not any(combined(sub, matches, item) for sub in filter_["or"]):
        return False
    return True


class Store:
    def __init__(self):
        self.lock = threading.RLock()
        self.reset()

    def reset(self):
        self.api_key = "lin_api_fake"
        self.viewer_id = None
        self.users = {}
        self.teams = {}
        self.states = {}
        self.projects = {}
        self.issues = {}
        self.labels = {}
        self.relations = []
        self.comments = []
        self.mutations = []
        self.sync_id = 1000
        self.clock_ms = None  # None: the real clock
        self.next_created_ms = None

    # MARK: - Time

    def now_ms(self):
        if self.clock_ms is not None:
            return self.clock_ms
        return int(time.time() * 1000)

    # MARK: - Seeding

    def seed(self, fixture):
        created = []
        if "api_key" in fixture:
            self.api_key = fixture["api_key"]
        for user in fixture.get("users", []):
            uid = user.get("id") or str(uuid.uuid4())
            self.users[uid] = {
                "id": uid,
                "name": user.get("name", uid),
                "displayName": user.get("displayName", user.get("name", uid)),
                "email": user.get("email", f"{uid}@example.com"),
                "active": True,
            }
        if "viewer" in fixture:
            self.viewer_id = fixture["viewer"]
        if self.viewer_id is None and self.users:
            self.viewer_id = next(iter(self.users))
        for team in fixture.get("teams", []):
            tid = team.get("id") or str(uuid.uuid4())
            self.teams[tid] = {"id": tid, "key": team["key"], "name": team.get("name", team["key"]), "number": 0, "states": []}
            states = team.get("states") or [{"name": n, "type": t} for n, t in DEFAULT_STATES]
            for position, state in enumerate(states):
                sid = state.get("id") or str(uuid.uuid4())
                self.states[sid] = {
                    "id": sid,
                    "name": state["name"],
                    "type": state.get("type", "unstarted"),
                    "position": float(state.get("position", position)),
                    "team_id": tid,
                }
                self.teams[tid]["states"].append(sid)
        for project in fixture.get("projects", []):
            pid = project.get("id") or str(uuid.uuid4())
            slug = project.get("slugId") or f"{slugify(project['name'])}-{pid.replace('-', '')[:12]}"
            self.projects[pid] = {
                "id": pid,
                "name": project["name"],
                "slugId": slug,
                "url": f"https://linear.app/fake/project/{slug}",
                "team_ids": [self.team(t)["id"] for t in project.get("teams", [])],
            }
        for issue in fixture.get("issues", []):
            created.append(self.add_issue(issue))
        generate = fixture.get("generate")
        if generate:
            for n in range(generate["count"]):
                spec = dict(generate)
                spec["title"] = f"{generate.get('title', 'Generated issue')} {n + 1}"
                created.append(self.add_issue(spec))
        for relation in fixture.get("relations", []):
            self.relations.append(
                {
                    "id": str(uuid.uuid4()),
                    "type": relation.get("type", "blocks"),
                    "issue_id": self.issue(relation["issue"])["id"],
                    "related_id": self.issue(relation["relatedIssue"])["id"],
                }
            )
        return [{"id": i["id"], "identifier": i["identifier"]} for i in created]

    def add_issue(self, spec):
        team = self.team(spec["team"])
        team["number"] += 1
        iid = spec.get("id") or str(uuid.uuid4())
        identifier = f"{team['key']}-{team['number']}"
        state = self.state_named(team, spec.get("state", "Todo"))
        created = spec.get("createdAt")
        if created is None:
            # Distinct, increasing creation times keep the default order (newest first) stable.
            base = self.now_ms()
            if self.next_created_ms is not None and base <= self.next_created_ms:
                base = self.next_created_ms + 1
            self.next_created_ms = base
            created_ms = base
        else:
            created_ms = parse_iso(created)
        title = spec.get("title", "Untitled")
        issue = {
            "id": iid,
            "team_id": team["id"],
            "number": team["number"],
            "identifier": identifier,
            "title": title,
            "description": spec.get("description"),
            "priority": int(spec.get("priority", 0)),
            "state_id": state["id"],
            "assignee_id": spec.get("assignee"),
            "project_id": self.project(spec["project"])["id"] if spec.get("project") else None,
            "label_ids": [self.label(name)["id"] for name in spec.get("labels", [])],
            "createdAt": created_ms,
            "updatedAt": parse_iso(spec["updatedAt"]) if spec.get("updatedAt") else created_ms,
            "archivedAt": None,
            "completedAt": None,
            "canceledAt": None,
            "branchName": spec.get("branchName", f"fake/{identifier.lower()}-{slugify(title)}"),
            "url": f"https://linear.app/fake/issue/{identifier}/{slugify(title)}",
        }
        self.issues[iid] = issue
        return issue

    def label(self, name):
        for label in self.labels.values():
            if label["name"] == name:
                return label
        lid = str(uuid.uuid4())
        self.labels[lid] = {"id": lid, "name": name}
        return self.labels[lid]

    # MARK: - Lookups

    def team(self, ref):
        for team in self.teams.values():
            if ref in (team["id"], team["key"]):
                return team
        raise not_found("Team")

    def project(self, ref):
        for project in self.projects.values():
            if ref in (project["id"], project["slugId"]):
                return project
        raise not_found("Project")

    def issue(self, ref):
        if ref in self.issues:
            return self.issues[ref]
        for issue in self.issues.values():
            if issue["identifier"] == ref:
                return issue
        raise not_found("Issue")

    def state_named(self, team, name):
        for sid in team["states"]:
            if self.states[sid]["name"] == name:
                return self.states[sid]
        raise domain_error(f"team {team['key']} has no workflow state named {name!r}")

    # MARK: - Changes a person makes in Linear (control API) and mutations

    def set_state(self, issue, state):
        now = self.now_ms()
        issue["state_id"] = state["id"]
        issue["updatedAt"] = now
        issue["completedAt"] = now if state["type"] == "completed" else None
        issue["canceledAt"] = now if state["type"] in ("canceled", "duplicate") else None

    def change(self, ref, fields):
        issue = self.issue(ref)
        team = self.teams[issue["team_id"]]
        if "state" in fields:
            self.set_state(issue, self.state_named(team, fields["state"]))
        for key in ("title", "description", "priority", "branchName"):
            if key in fields:
                issue[key] = fields[key]
        if "assignee" in fields:
            issue["assignee_id"] = fields["assignee"]
        if "project" in fields:
            issue["project_id"] = self.project(fields["project"])["id"] if fields["project"] else None
        if "labels" in fields:
            issue["label_ids"] = [self.label(name)["id"] for name in fields["labels"]]
        if "archived" in fields:
            issue["archivedAt"] = self.now_ms() if fields["archived"] else None
        if fields.get("delete"):
            del self.issues[issue["id"]]
            return issue
        issue["updatedAt"] = self.now_ms()
        return issue

    def next_sync_id(self):
        self.sync_id += 1
        return float(self.sync_id)

    # MARK: - Filters

    def issue_matches(self, filter_, issue):
        def matches(f, item):
            if "id" in f and not compare(item["id"], f["id"]):
                return False
            if "updatedAt" in f and not compare(item["updatedAt"], f["updatedAt"]):
                return False
            if "state" in f and not combined(f["state"], self.state_matches, self.states[item["state_id"]]):
                return False
            if "assignee" in f and not combined(f["assignee"], self.user_matches, item["assignee_id"]):
                return False
            if "project" in f and not combined(f["project"], self.nullable_project_matches, item["project_id"]):
                return False
            if "team" in f and not combined(f["team"], self.team_matches, self.teams[item["team_id"]]):
                return False
            return True

        return combined(filter_, matches, issue)

    def state_matches(self, f, state):
        if "id" in f and not compare(state["id"], f["id"]):
            return False
        if "name" in f and not compare(state["name"], f["name"]):
            return False
        if "type" in f and not compare(state["type"], f["type"]):
            return False
        if "team" in f and not combined(f["team"], self.team_matches, self.teams[state["team_id"]]):
            return False
        return True

    def team_matches(self, f, team):
        if "id" in f and not compare(team["id"], f["id"]):
            return False
        if "key" in f and not compare(team["key"], f["key"]):
            return False
        return True

    def user_matches(self, f, user_id):
        if "null" in f and (user_id is None) != f["null"]:
            return False
        if "id" in f and (user_id is None or not compare(user_id, f["id"])):
            return False
        if "isMe" in f and not compare(user_id is not None and user_id == self.viewer_id, f["isMe"]):
            return False
        return True

    def nullable_project_matches(self, f, project_id):
        if "null" in f and (project_id is None) != f["null"]:
            return False
        if project_id is None:
            return not ("id" in f or "slugId" in f)
        return self.project_matches(f, self.projects[project_id])

    def project_matches(self, f, project):
        if "id" in f and not compare(project["id"], f["id"]):
            return False
        if "slugId" in f and not compare(project["slugId"], f["slugId"]):
            return False
        return True


# MARK: - Pagination


def encode_cursor(key, ident):
    return base64.b64encode(json.dumps({"k": key, "id": ident}).encode()).decode()


def decode_cursor(text):
    try:
        value = json.loads(base64.b64decode(text.encode(), validate=True))
        return value["k"], value["id"]
    except Exception:
        raise domain_error(f"Invalid cursor: {text!r}")


def check_page_arguments(args):
    for name in ("first", "last"):
        value = args.get(name)
        if value is not None and not 1 <= value <= 250:
            raise GraphQLError(
                "Argument Validation Error",
                extensions={
                    "type": "invalid input",
                    "code": "INVALID_INPUT",
                    "statusCode": 400,
                    "userError": True,
                    "validationErrors": [{"property": name, "constraints": {"max": f"{name} must not be greater than 250"}}],
                    "userPresentableMessage": "Argument Validation Error",
                },
            )
    if args.get("first") is not None and args.get("last") is not None:
        raise domain_error("Only one of first or last may be given")


def paginate(items, args, key, view, fault=None):
    """`items` sorted by `key` (a function returning a sortable value) as a connection page."""
    check_page_arguments(args)
    first = args.get("first") or 50
    after = args.get("after")
    ordered = list(items)
    start = 0
    if after:
        k, ident = decode_cursor(after)
        start = next((i + 1 for i, item in enumerate(ordered) if [key(item), item["id"]] == [k, ident]), None)
        if start is None:
            # The node moved (data changed between pages): resume after its sort position.
            start = sum(1 for item in ordered if (key(item), item["id"]) <= (k, ident))
    page = ordered[start : start + first]
    has_next = start + first < len(ordered)
    if fault == "short_page" and len(page) > 1:
        page = page[: max(1, len(page) // 2)]
        has_next = True
    end_cursor = encode_cursor(key(page[-1]), page[-1]["id"]) if page else None
    if fault == "missing_end_cursor":
        has_next = True
        end_cursor = None
    if fault == "duplicate_node_across_pages" and page and start > 0:
        page = [ordered[start - 1]] + page
    return {
        "nodes": [view(item) for item in page],
        "edges": [{"node": view(item), "cursor": encode_cursor(key(item), item["id"])} for item in page],
        "pageInfo": {
            "hasNextPage": has_next,
            "hasPreviousPage": start > 0,
            "startCursor": encode_cursor(key(page[0]), page[0]["id"]) if page else None,
            "endCursor": end_cursor,
        },
    }

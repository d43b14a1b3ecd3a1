"""GraphQL views of the fake Linear's store: the root value for queries and mutations.

Every object is a dict; fields with arguments (connections) are callables taking (info, **args).
Requests run with a `Context` (server.py) that carries the store and the page fault, if any.
"""

import uuid

from graphql import GraphQLError

from store import PRIORITY_LABELS, domain_error, iso, not_found, paginate


def user_view(store, uid):
    user = store.users.get(uid)
    if user is None:
        # An assignee id the fixture did not declare as a user: a bare user.
        return {"id": uid, "name": uid, "displayName": uid, "email": f"{uid}@example.com", "active": True}
    return dict(user)


def team_view(store, team):
    def states(info, **args):
        items = [store.states[sid] for sid in team["states"]]
        items = [s for s in items if args.get("filter") is None or store.state_matches(args["filter"], s)]
        items.sort(key=lambda s: (s["position"], s["id"]))
        return paginate(items, args, lambda s: s["position"], lambda s: state_view(store, s))

    return {"id": team["id"], "key": team["key"], "name": team["name"], "states": states}


def state_view(store, state):
    return {
        "id": state["id"],
        "name": state["name"],
        "type": state["type"],
        "position": state["position"],
        "team": lambda info: team_view(store, store.teams[state["team_id"]]),
    }


def project_view(store, project):
    def teams(info, **args):
        items = [store.teams[t] for t in project["team_ids"]]
        return paginate(items, args, lambda t: t["key"], lambda t: team_view(store, t))

    return {"id": project["id"], "name": project["name"], "slugId": project["slugId"], "url": project["url"], "teams": teams}


def relation_view(store, relation):
    return {
        "id": relation["id"],
        "type": relation["type"],
        "issue": lambda info: issue_view(store, store.issues[relation["issue_id"]]),
        "relatedIssue": lambda info: issue_view(store, store.issues[relation["related_id"]]),
    }


def issue_view(store, issue):
    def labels(info, **args):
        items = [store.labels[lid] for lid in issue["label_ids"]]
        return paginate(items, args, lambda l: l["id"], dict)

    def relations(info, **args):
        items = [r for r in store.relations if r["issue_id"] == issue["id"] and r["related_id"] in store.issues]
        return paginate(items, args, lambda r: r["id"], lambda r: relation_view(store, r))

    def inverse(info, **args):
        items = [r for r in store.relations if r["related_id"] == issue["id"] and r["issue_id"] in store.issues]
        return paginate(items, args, lambda r: r["id"], lambda r: relation_view(store, r))

    return {
        "id": issue["id"],
        "identifier": issue["identifier"],
        "number": float(issue["number"]),
        "title": issue["title"],
        "description": issue["description"],
        "priority": float(issue["priority"]),
        "priorityLabel": PRIORITY_LABELS.get(issue["priority"], "No priority"),
        "state": lambda info: state_view(store, store.states[issue["state_id"]]),
        "branchName": issue["branchName"],
        "url": issue["url"],
        "assignee": (lambda info: user_view(store, issue["assignee_id"])) if issue["assignee_id"] else None,
        "project": (lambda info: project_view(store, store.projects[issue["project_id"]])) if issue["project_id"] else None,
        "team": lambda info: team_view(store, store.teams[issue["team_id"]]),
        "createdAt": iso(issue["createdAt"]),
        "updatedAt": iso(issue["updatedAt"]),
        "archivedAt": iso(issue["archivedAt"]) if issue["archivedAt"] else None,
        "completedAt": iso(issue["completedAt"]) if issue["completedAt"] else None,
        "canceledAt": iso(issue["canceledAt"]) if issue["canceledAt"] else None,
        "labels": labels,
        "relations": relations,
        "inverseRelations": inverse,
    }


def issue_sort_key(order_by):
    field = "updatedAt" if order_by == "updatedAt" else "createdAt"
    # Newest first: a negated time sorts ascending.
    return lambda issue: -issue[field]


def root(ctx):
    store = ctx.store

    def issues(info, **args):
        key = issue_sort_key(args.get("orderBy"))
        items = [
            i
            for i in store.issues.values()
            if (args.get("includeArchived") or i["archivedAt"] is None) and store.issue_matches(args.get("filter"), i)
        ]
        items.sort(key=lambda i: (key(i), i["id"]))
        return paginate(items, args, key, lambda i: issue_view(store, i), fault=ctx.page_fault)

    def projects(info, **args):
        items = [p for p in store.projects.values() if args.get("filter") is None or store.project_matches(args["filter"], p)]
        items.sort(key=lambda p: p["id"])
        return paginate(items, args, lambda p: p["id"], lambda p: project_view(store, p))

    def workflow_states(info, **args):
        items = [s for s in store.states.values() if args.get("filter") is None or store.state_matches(args["filter"], s)]
        items.sort(key=lambda s: (s["team_id"], s["position"], s["id"]))
        return paginate(items, args, lambda s: s["id"], lambda s: state_view(store, s))

    def viewer(info):
        if store.viewer_id is None:
            raise not_found("User")
        return user_view(store, store.viewer_id)

    def issue_create(info, input):
        team = store.team(input["teamId"])
        spec = {"team": team["id"], "title": input.get("title") or "Untitled", "description": input.get("description")}
        if input.get("priority") is not None:
            spec["priority"] = check_priority(input["priority"])
        if input.get("projectId"):
            spec["project"] = store.project(input["projectId"])["id"]
        if input.get("stateId"):
            state = store.states.get(input["stateId"])
            if state is None:
                raise not_found("WorkflowState")
            if state["team_id"] != team["id"]:
                raise domain_error("The workflow state does not belong to the issue's team")
            spec["state"] = state["name"]
        else:
            spec["state"] = next(
                (store.states[s]["name"] for s in team["states"] if store.states[s]["type"] == "unstarted"),
                store.states[team["states"][0]]["name"],
            )
        issue = store.add_issue(spec)
        store.mutations.append({"mutation": "issueCreate", "issue": issue["id"], "input": input})
        return {"success": True, "issue": issue_view(store, issue), "lastSyncId": store.next_sync_id()}

    def issue_update(info, id, input):
        issue = store.issue(id)
        if "stateId" in input and input["stateId"] is not None:
            state = store.states.get(input["stateId"])
            if state is None:
                raise not_found("WorkflowState")
            if state["team_id"] != issue["team_id"]:
                # The fake's own policy; Linear's wording for this case was not observed.
                raise domain_error("The workflow state does not belong to the issue's team")
            store.set_state(issue, state)
        for key in ("title", "description"):
            if input.get(key) is not None:
                issue[key] = input[key]
        if input.get("priority") is not None:
            issue["priority"] = check_priority(input["priority"])
        issue["updatedAt"] = store.now_ms()
        store.mutations.append({"mutation": "issueUpdate", "issue": issue["id"], "input": input})
        return {"success": True, "issue": issue_view(store, issue), "lastSyncId": store.next_sync_id()}

    def comment_create(info, input):
        if not input.get("issueId"):
            raise domain_error("issueId is required")
        issue = store.issue(input["issueId"])
        body = input.get("body") or ""
        if not body.strip():
            raise domain_error("A comment needs a body")
        comment = {"id": str(uuid.uuid4()), "issue_id": issue["id"], "body": body, "createdAt": store.now_ms()}
        store.comments.append(comment)
        store.mutations.append({"mutation": "commentCreate", "issue": issue["id"], "input": input})
        view = {
            "id": comment["id"],
            "body": body,
            "url": f"{issue['url']}#comment-{comment['id'][:8]}",
            "createdAt": iso(comment["createdAt"]),
            "issue": lambda info: issue_view(store, issue),
        }
        return {"success": True, "comment": view, "lastSyncId": store.next_sync_id()}

    return {
        "viewer": viewer,
        "issue": lambda info, id: issue_view(store, store.issue(id)),
        "issues": issues,
        "project": lambda info, id: project_view(store, store.project(id)),
        "projects": projects,
        "team": lambda info, id: team_view(store, store.team(id)),
        "workflowStates": workflow_states,
        "issueCreate": issue_create,
        "issueUpdate": issue_update,
        "commentCreate": comment_create,
    }


def check_priority(value):
    if not 0 <= value <= 4:
        raise GraphQLError(
            "Argument Validation Error",
            extensions={"type": "invalid input", "code": "INVALID_INPUT", "statusCode": 400, "userError": True},
        )
    return value

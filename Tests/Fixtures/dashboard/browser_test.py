"""Drives maestro's dashboard in headless Chromium against a live daemon with the fake agent.

Usage: browser_test.py --base URL --pid PID --maestro BINARY --directory DIR --db DB --port PORT
                       --project KEY --screenshots DIR

The daemon (pid PID, started in DIR as `BINARY run WORKFLOW.md --db DB --port PORT`) serves a
project KEY whose workflow makes the agent talk, sleep and hand the issue to review, ask a question
for an issue titled "asks", and hang for one titled "hangs". The script:

  loads the board; creates an issue with the form (first with a blocker that does not exist, whose
  refusal must show next to the field); watches the card through the lifecycle while the agent runs
  (live marker and the agent's words on the card); opens its detail (timeline, the agent's last
  message, workspace); answers a run's question in the page and sees it continue; drags a card to
  another column and moves one with the keyboard menu, checking the tracker state through the API;
  filters by lifecycle chip, diagram state and text; loads the page with the WebSocket blocked;
  checks axe-core finds no serious or critical violation on the board and the detail, light and
  dark; writes screenshots at 1280x800 and 390x844, light and dark; stops the daemon and sees the
  page say so, creates an issue with the CLI meanwhile, restarts the daemon on the same port and
  database and sees the page resume and show it; and checks the console has no errors beyond the
  network failures each phase expects.

Prints a JSON summary on stdout; exits 1 with the problems on stderr if anything failed.
"""
import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

from axe_selenium_python import Axe
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.actions.action_builder import ActionBuilder
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

LAPTOP = (1280, 800)
PHONE = (390, 844)
# Network failures Chromium logs while the daemon is away, or for a refusal the test provokes.
OFFLINE_NOISE = [r"WebSocket connection to .* failed", r"net::ERR_CONNECTION_REFUSED", r"Failed to fetch"]


class Failure(Exception):
    pass


class Run:
    def __init__(self, args):
        self.args = args
        self.base = args.base.rstrip("/")
        self.problems = []
        self.summary = {"steps": [], "screenshots": [], "axe": {}, "console": []}
        self.restarted = None
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for flag in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     f"--window-size={LAPTOP[0]},{LAPTOP[1]}", "--hide-scrollbars", "--force-color-profile=srgb"]:
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        self.driver.set_script_timeout(30)
        self.viewport(LAPTOP)

    # MARK: - helpers

    def step(self, name):
        self.summary["steps"].append(name)
        print(f"step: {name}", file=sys.stderr, flush=True)

    def check(self, condition, message):
        if not condition:
            self.problems.append(message)
            print(f"problem: {message}", file=sys.stderr, flush=True)
        return condition

    def wait(self, what, condition, timeout=30, interval=0.05):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            try:
                last = condition()
                if last:
                    return last
            except Exception as error:  # the page may be mid-render; try again
                last = error
            time.sleep(interval)
        raise Failure(f"timed out waiting for {what} (last: {last!r})")

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    def api(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers={"content-type": "application/json"} if data else {})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def issue(self, identifier):
        status, detail = self.api("GET", f"/api/v1/issues/{identifier}")
        if status != 200:
            raise Failure(f"GET issue {identifier}: {status} {detail}")
        return detail

    def card(self, identifier):
        found = self.driver.find_elements(By.CSS_SELECTOR, f'.card[data-id="{identifier}"]')
        return found[0] if found else None

    def card_state(self, identifier):
        return self.js(
            "const c = document.querySelector(`.card[data-id='${arguments[0]}']`);"
            "return c && {lifecycle: c.dataset.lifecycle, column: c.closest('.column')?.dataset.column,"
            " live: !!c.dataset.live, activity: c.querySelector('.card-activity').textContent};", identifier)

    def viewport(self, size, dark=False):
        width, height = size
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})
        self.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {
            "features": [{"name": "prefers-color-scheme", "value": "dark" if dark else "light"},
                         {"name": "prefers-reduced-motion", "value": "reduce"}]})

    def console(self, phase, allowed=()):
        """Drains the browser's console; SEVERE entries other than `allowed` patterns are problems."""
        for entry in self.driver.get_log("browser"):
            if entry["level"] != "SEVERE":
                continue
            message = entry["message"]
            expected = any(re.search(pattern, message) for pattern in allowed)
            self.summary["console"].append({"phase": phase, "message": message[:300], "expected": expected})
            self.check(expected, f"console error during {phase}: {message[:300]}")

    def screenshot(self, name):
        path = os.path.join(self.args.screenshots, f"{name}.png")
        # From the top (axe scrolls what it inspects), after the last frame settled.
        self.js("window.scrollTo(0, 0); document.querySelector('.drawer-body')?.scrollTo(0, 0);"
                "document.getElementById('columns').scrollLeft = 0; document.getElementById('lifecycle-chips').scrollLeft = 0;"
                "document.getElementById('toasts').replaceChildren();"
                "if (!document.activeElement?.closest('dialog')) document.activeElement?.blur();"
                "return new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        self.driver.save_screenshot(path)
        self.summary["screenshots"].append(path)

    def axe(self, name):
        axe = Axe(self.driver)
        axe.inject()
        results = axe.run(options="{resultTypes: ['violations']}")
        serious = [v for v in results["violations"] if v.get("impact") in ("serious", "critical")]
        self.summary["axe"][name] = {"violations": len(results["violations"]), "serious_or_critical": len(serious),
                                     "ids": sorted(v["id"] for v in results["violations"])}
        for violation in serious:
            targets = [node["target"] for node in violation["nodes"][:3]]
            self.check(False, f"axe ({name}): {violation['id']} ({violation['impact']}): {violation['help']} at {targets}")

    def open_page(self):
        self.driver.get(self.base + "/")
        self.wait("the board", lambda: self.js("return document.body.dataset.boardReady === 'true'"))

    def open_detail(self, identifier):
        link = self.card(identifier).find_element(By.CSS_SELECTOR, ".card-link")
        link.click()
        self.wait(f"the detail of {identifier}", lambda: self.js(
            "const d = document.getElementById('detail');"
            "return d.open && d.querySelector('#detail-title').textContent !== arguments[0]"
            " && d.querySelectorAll('.timeline li').length > 0", identifier))

    def close_detail(self):
        self.driver.find_element(By.CSS_SELECTOR, "#detail .drawer-header .icon-button").click()
        self.wait("the detail to close", lambda: not self.js("return document.getElementById('detail').open"))

    # MARK: - the scenario

    def run(self):
        project = self.args.project
        self.step("load the board")
        self.open_page()
        columns = self.js("return [...document.querySelectorAll('.column')].map(c => c.dataset.column)")
        self.check(columns == ["backlog", "todo", "in_progress", "human_review", "done", "cancelled"],
                   f"columns: {columns} (states {self.js('return JSON.stringify([...maestroDashboard.state.states])')})")
        self.wait("the live stream", lambda: self.js("return document.getElementById('connection').dataset.status === 'live'"))
        self.wait("the lifecycle drawing", lambda: self.js("return document.querySelectorAll('#diagram-host svg [data-state]').length >= 8"))
        self.console("load")

        self.step("create an issue with the form; a refusal shows next to its field")
        self.js("""
            window.lifecycleLog = [];
            const record = () => {
              for (const card of document.querySelectorAll('.card')) {
                const entry = {id: card.dataset.id, lifecycle: card.dataset.lifecycle, live: !!card.dataset.live,
                               height: card.offsetHeight,
                               column: card.closest('.column')?.dataset.column,
                               activity: card.querySelector('.card-activity').textContent};
                const last = window.lifecycleLog.filter(e => e.id === entry.id).at(-1);
                if (!last || JSON.stringify(last) !== JSON.stringify(entry)) window.lifecycleLog.push(entry);
              }
            };
            new MutationObserver(record).observe(document.getElementById('columns'),
              {subtree: true, childList: true, attributes: true, characterData: true});
        """)
        self.driver.find_element(By.ID, "new-issue").click()
        form = self.wait("the form", lambda: self.driver.find_element(By.CSS_SELECTOR, "#create form"))
        form.find_element(By.NAME, "title").send_keys("Add a health endpoint")
        form.find_element(By.NAME, "description").send_keys("GET /health answers 200 with the version.")
        form.find_element(By.CSS_SELECTOR, "select[name=priority] option[value='2']").click()
        form.find_element(By.NAME, "labels").send_keys("api, backend")
        blockers = form.find_element(By.NAME, "blocked_by")
        blockers.send_keys(f"{project}-99")
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        error = self.wait("the blocker's refusal", lambda: self.js(
            "const f = document.querySelector('#create [data-field=blocked_by]');"
            "const e = f.querySelector('.field-error');"
            "return !e.hidden && f.querySelector('input').getAttribute('aria-invalid') === 'true' && e.textContent"))
        self.check(f"{project}-99" in error, f"the refusal names the missing blocker: {error}")
        self.console("refused create", allowed=[r"/api/v1/issues - Failed to load resource: the server responded with a status of 404"])
        blockers.clear()
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        self.wait("the form to close", lambda: not self.js("return document.getElementById('create').open"))
        created = f"{project}-1"
        self.wait("the new card", lambda: self.card(created))

        self.step("watch the card through the lifecycle while the agent runs")
        self.wait("the hand-off to review", lambda: (self.card_state(created) or {}).get("lifecycle") == "review"
                  and self.card_state(created)["column"] == "human_review", timeout=40)
        log = [entry for entry in self.js("return window.lifecycleLog") if entry["id"] == created]
        states = [entry["lifecycle"] for entry in log]
        self.summary["lifecycle"] = [s for i, s in enumerate(states) if i == 0 or s != states[i - 1]]
        self.summary["columns_seen"] = [c for i, c in enumerate([e["column"] for e in log]) if i == 0 or c != log[i - 1]["column"]]
        self.check("running" in states and states[-1] == "review", f"lifecycle seen on the card: {self.summary['lifecycle']}")
        self.check(self.summary["columns_seen"][-1] == "human_review", f"columns the card went through: {self.summary['columns_seen']}")
        talking = [entry for entry in log if entry["live"] and "Reading the code" in entry["activity"]]
        self.check(bool(talking), f"the card showed the live agent's words: {log}")
        heights = sorted({entry["height"] for entry in log if entry["column"]})
        self.check(len(heights) == 1, f"the card kept its size through live updates: {heights}")
        self.console("lifecycle")

        self.step("open its detail: the timeline and the agent's last message")
        self.open_detail(created)
        detail = self.issue(created)
        events = self.js("return [...document.querySelectorAll('#detail .timeline .transition-event code')].map(c => c.textContent)")
        expected = [t["event"] for t in detail["transitions"]]
        self.check(events == expected and {"dispatch", "workspace_ready", "run_ended"} <= set(events), f"timeline {events} vs {expected}")
        last_message = detail["sessions"][0]["last_message"]
        self.check(bool(last_message), "the session has a last message")
        try:
            self.wait("the agent's last message", lambda: self.js(
                "return document.querySelector('#detail .session-message').textContent") == last_message, timeout=10)
        except Failure:
            shown = self.js("return document.querySelector('#detail .session-message').textContent")
            self.check(False, f"last message shown {shown!r}, API {last_message!r}")
        workspace = self.js("return document.querySelector('#detail .facts .path')?.textContent")
        self.check(detail["workspace"] and workspace == detail["workspace"]["path"], f"workspace {workspace!r}")
        self.check_commands(detail)
        self.axe("detail-light")
        self.screenshot("detail-laptop-light")
        self.viewport(LAPTOP, dark=True)
        self.axe("detail-dark")
        self.screenshot("detail-laptop-dark")
        self.viewport(PHONE, dark=True)
        self.screenshot("detail-phone-dark")
        self.viewport(PHONE)
        self.screenshot("detail-phone-light")
        self.viewport(LAPTOP)
        self.edit(created)
        self.close_detail()
        self.console("detail", allowed=[rf"/api/v1/issues/{created} - Failed to load resource: the server responded with a status of 422"])

        self.step("a run asks a question; the answer typed in the page lets it continue")
        status, asked = self.api("POST", "/api/v1/issues", {"project": project, "title": "asks", "priority": 1})
        self.check(status == 201, f"create asks: {status} {asked}")
        asks = asked["identifier"]
        self.wait("the question", lambda: (self.card_state(asks) or {}).get("lifecycle") == "blocked", timeout=40)
        self.open_detail(asks)
        question = self.wait("the question in the detail", lambda: self.js(
            "return document.querySelector('#detail .question-text')?.textContent"))
        self.check(question == "Which database?", f"question shown: {question!r}")
        self.check_commands(self.issue(asks))
        self.axe("detail-question")
        self.screenshot("question-laptop-light")
        answer = self.driver.find_element(By.CSS_SELECTOR, "#detail .answer-text")
        answer.send_keys("Postgres")
        self.driver.find_element(By.CSS_SELECTOR, "#detail .answer-form button[type=submit]").click()
        self.wait("the run to continue", lambda: self.issue(asks)["issue"]["lifecycle"]["state"] in ("running", "review"), timeout=30)
        answered = [t for t in self.issue(asks)["transitions"] if t["event"] == "operator_answered"]
        self.check(answered and answered[-1]["details"].get("answer") == "Postgres", f"the answer reached the run: {answered}")
        self.wait("the detail to follow", lambda: self.js(
            "return document.querySelector('#detail .detail-requests').hidden"), timeout=15)
        self.close_detail()
        self.wait("the asking card in review", lambda: (self.card_state(asks) or {}).get("lifecycle") == "review"
                  and self.card_state(asks)["column"] == "human_review", timeout=40)
        self.console("question")

        self.step("drag a card to another column; the tracker state changes")
        self.js("window.scrollTo(0, 0); window.pointerDowns = []; addEventListener('pointerdown',"
                " e => pointerDowns.push([e.clientX, e.clientY, e.target.closest('.card')?.dataset.id]), true);")
        self.drag(f'.card[data-id="{created}"] .card-title', '.column[data-column="done"] .column-title')
        try:
            self.wait("the move through the API", lambda: self.issue(created)["issue"]["state"] == "done", timeout=10)
        except Failure as failure:
            raise Failure(f"{failure}; pointer went down on {self.js('return window.pointerDowns')}")
        self.wait("the card in done", lambda: (self.card_state(created) or {}).get("column") == "done")
        self.wait("the close", lambda: (self.card_state(created) or {}).get("lifecycle") == "closed", timeout=20)
        self.check(not self.js("return document.getElementById('detail').open"), "the drop did not open the card")

        self.step("move a card with the keyboard menu")
        button = self.card(asks).find_element(By.CSS_SELECTOR, ".card-move")
        button.send_keys(Keys.ENTER)
        self.wait("the menu", lambda: self.js("return document.getElementById('move-menu').matches(':popover-open')"))
        for _ in range(8):
            if self.js("return document.activeElement?.dataset.state === 'cancelled'"):
                break
            ActionChains(self.driver).send_keys(Keys.ARROW_DOWN).perform()
        ActionChains(self.driver).send_keys(Keys.ENTER).perform()
        self.wait("the keyboard move through the API", lambda: self.issue(asks)["issue"]["state"] == "cancelled")
        self.wait("focus to follow the card", lambda: self.js(
            "return document.activeElement?.closest('.card')?.dataset.id === arguments[0]", asks))

        self.step("a move the tracker cannot make is said, and the card stays")
        # The page is told of a column the workflow does not have (as after a reload that dropped
        # it): the tracker refuses the move (invalid_state).
        self.js("const {state, emit} = maestroDashboard; state.states.get(arguments[0]).push('archived'); emit('projects');", project)
        self.wait("the extra column", lambda: self.js("return !!document.querySelector('.column[data-column=\"archived\"]')"))
        self.js("document.getElementById('columns').scrollLeft = document.getElementById('columns').scrollWidth")
        self.drag(f'.card[data-id="{created}"] .card-title', '.column[data-column="archived"] .column-title')
        refusal = self.wait("the refusal", lambda: self.js(
            "return [...document.querySelectorAll('.toast[role=alert]')].map(t => t.textContent).join(' ')"))
        self.check(f"{created} was not moved to archived" in refusal and "not a tracker state" in refusal, f"the refusal: {refusal!r}")
        self.check(self.issue(created)["issue"]["state"] == "done", "the refused move changed nothing")
        self.check((self.card_state(created) or {}).get("column") == "done", "the card stayed in its column")
        self.js("const {state, emit} = maestroDashboard; state.states.get(arguments[0]).pop(); emit('projects');", project)
        self.console("moves", allowed=[rf"/api/v1/issues/{created}/move - Failed to load resource: the server responded with a status of 422"])

        self.step("filter by lifecycle chip, diagram state and text")
        self.driver.find_element(By.CSS_SELECTOR, '.lifecycle-chip[data-lifecycle="closed"]').click()
        shown = lambda: sorted(self.js("return [...document.querySelectorAll('.card')].map(c => c.dataset.id)"))
        self.wait("the closed filter", lambda: shown() == sorted([created, asks]))
        self.driver.find_element(By.CSS_SELECTOR, '.lifecycle-chip[data-lifecycle="closed"]').click()
        status, _ = self.api("POST", "/api/v1/issues", {"project": project, "title": "hangs", "labels": ["ops"]})
        hangs = f"{project}-3"
        self.wait("the hanging run", lambda: (self.card_state(hangs) or {}).get("lifecycle") == "running", timeout=40)
        self.driver.find_element(By.CSS_SELECTOR, "#diagram summary").click()
        running = self.driver.find_element(By.CSS_SELECTOR, '#diagram-host [data-state="running"]')
        self.check(running.get_attribute("data-count") == "1", "the drawing counts the running issue")
        self.screenshot("lifecycle-laptop-light")
        self.js("arguments[0].scrollIntoView({block: 'center'})", running)
        running.click()
        self.wait("the diagram's filter", lambda: shown() == [hangs])
        self.check(self.js("return document.querySelector('.lifecycle-chip[aria-pressed=true]').dataset.lifecycle") == "running",
                   "the chip shows the diagram's filter")
        self.driver.find_element(By.CSS_SELECTOR, '.lifecycle-chip[data-lifecycle="running"]').click()
        self.driver.find_element(By.CSS_SELECTOR, "#diagram summary").click()
        search = self.driver.find_element(By.ID, "filter-search")
        search.send_keys("health")
        self.wait("the search", lambda: shown() == [created])
        search.send_keys(Keys.CONTROL, "a")
        search.send_keys(Keys.DELETE)
        self.wait("all cards again", lambda: len(shown()) == 3)

        self.step("accessibility and screenshots of the board")
        self.axe("board-light")
        self.screenshot("board-laptop-light")
        self.viewport(LAPTOP, dark=True)
        self.axe("board-dark")
        self.screenshot("board-laptop-dark")
        self.viewport(PHONE, dark=True)
        self.axe("board-phone-dark")
        self.screenshot("board-phone-dark")
        self.viewport(PHONE)
        self.screenshot("board-phone-light")
        self.viewport(LAPTOP)
        self.console("screenshots")

        self.step("a rejected edit of WORKFLOW.md shows its diagnostic until a good one replaces it")
        workflow = os.path.join(self.args.directory, "WORKFLOW.md")
        original = open(workflow).read()
        with open(workflow, "w") as handle:
            handle.write(original.replace("kind: kanban", "kind: jira", 1))
        banner = self.wait("the banner", lambda: self.js(
            "const b = document.getElementById('workflow-banner'); return !b.hidden && b.textContent"), timeout=20)
        self.check("jira" in banner and "unsupported_tracker_kind" in banner, f"the banner: {banner!r}")
        self.screenshot("board-laptop-workflow-error")
        with open(workflow, "w") as handle:
            handle.write(original)
        self.wait("the banner to go", lambda: self.js("return document.getElementById('workflow-banner').hidden"), timeout=20)
        self.console("workflow")

        self.step("with the WebSocket blocked, a reload still shows the board")
        blocker = self.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": """
            window.WebSocket = class { constructor() { setTimeout(() => this.onclose?.({code: 1006, reason: ''}), 5); }
                                       close() {} };"""})
        self.open_page()
        self.check(len(shown()) == 3, f"cards without the stream: {shown()}")
        self.wait("the page to say it is disconnected", lambda: self.js(
            "return document.getElementById('connection').dataset.status === 'offline'"
            " && !document.getElementById('offline-bar').hidden"))
        self.driver.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": blocker["identifier"]})
        self.open_page()
        self.wait("the live stream again", lambda: self.js("return document.getElementById('connection').dataset.status === 'live'"))
        self.console("blocked stream")

        self.step("stop the daemon: the page says so; restart it: the page resumes")
        os.kill(self.args.pid, signal.SIGTERM)
        # Gone, not only deaf: it holds the database's lock until it exits.
        self.wait("the daemon to exit", lambda: not alive(self.args.pid), timeout=30)
        self.wait("the disconnected state", lambda: self.js(
            "return document.getElementById('connection').dataset.status === 'offline'"
            " && !document.getElementById('offline-bar').hidden"), timeout=20)
        self.screenshot("board-laptop-offline")
        away = subprocess.run(
            [self.args.maestro, "issue", "create", "--project", project, "--title", "made while away", "--db", self.args.db, "--json"],
            cwd=self.args.directory, capture_output=True, text=True, timeout=30)
        self.check(away.returncode == 0, f"the CLI's create while away: {away.stderr}")
        made = json.loads(away.stdout)["identifier"] if away.returncode == 0 else None
        log = open(os.path.join(self.args.directory, "daemon-restarted.log"), "w")
        self.restarted = subprocess.Popen(
            [self.args.maestro, "run", "WORKFLOW.md", "--db", self.args.db, "--port", str(self.args.port)],
            cwd=self.args.directory, stdout=subprocess.DEVNULL, stderr=log)
        self.summary["restarted_pid"] = self.restarted.pid
        self.wait("the restarted daemon", self.healthy, timeout=30)
        self.wait("the page to resume", lambda: self.js(
            "return document.getElementById('connection').dataset.status === 'live'"
            " && document.getElementById('offline-bar').hidden"), timeout=30)
        self.wait("the issue made while away", lambda: self.card(made), timeout=15)
        self.wait("its run", lambda: (self.card_state(made) or {}).get("lifecycle") in ("running", "review"), timeout=40)
        ids = self.js("return [...document.querySelectorAll('.card')].map(c => c.dataset.id)")
        self.check(len(ids) == len(set(ids)) == 4, f"every issue once: {ids}")
        self.console("restart", allowed=OFFLINE_NOISE)

        self.step("stop the restarted daemon")
        self.restarted.send_signal(signal.SIGTERM)
        self.summary["restarted_exit"] = self.restarted.wait(timeout=30)
        self.check(self.summary["restarted_exit"] == 0, f"the restarted daemon exited {self.summary['restarted_exit']}")
        self.summary["allowed_commands_checked"] = True

    def edit(self, identifier):
        """Edits fields in the detail: a good edit reaches the API; a refused one shows at its field."""
        form = self.driver.find_element(By.CSS_SELECTOR, "#detail form.form-inline-edit")
        title = form.find_element(By.NAME, "title")
        title.send_keys(" and version")
        form.find_element(By.NAME, "labels").send_keys(", monitoring")
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        issue = self.wait("the edit through the API", lambda: (lambda i: i["title"].endswith(" and version") and i)(
            self.issue(identifier)["issue"]), timeout=10)
        self.check(issue["labels"] == ["api", "backend", "monitoring"], f"labels after the edit: {issue['labels']}")
        blockers = form.find_element(By.NAME, "blocked_by")
        blockers.send_keys(identifier)
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        error = self.wait("the blocker's refusal", lambda: self.js(
            "const f = document.querySelector('#detail [data-field=blocked_by]');"
            "const e = f.querySelector('.field-error');"
            "return !e.hidden && f.querySelector('input').getAttribute('aria-invalid') === 'true' && e.textContent"))
        self.check("cycle" in error, f"the self-block is refused at its field: {error!r}")
        self.check(self.issue(identifier)["issue"]["blocked_by"] == [], "the refused edit changed nothing")

    def center(self, selector):
        box = self.js("const r = document.querySelector(arguments[0]).getBoundingClientRect();"
                      "return [Math.round(r.x + r.width / 2), Math.round(r.y + r.height / 2)]", selector)
        return box[0], box[1]

    def drag(self, source, target):
        """A mouse drag between two points of the viewport, in small steps as a hand would."""
        (x0, y0), (x1, y1) = self.center(source), self.center(target)
        actions = ActionBuilder(self.driver)
        pointer = actions.pointer_action
        pointer.move_to_location(x0, y0)
        pointer.pointer_down()
        for step in range(1, 11):
            pointer.move_to_location(x0 + (x1 - x0) * step // 10, y0 + (y1 - y0) * step // 10)
        pointer.pause(0.2)
        pointer.pointer_up()
        actions.perform()

    def healthy(self):
        try:
            with urllib.request.urlopen(self.base + "/healthz", timeout=2) as response:
                return response.status == 200
        except Exception:
            return False

    def check_commands(self, detail):
        """Each command button is enabled exactly when the lifecycle accepts the command now."""
        allowed = set(detail["allowed_commands"])
        buttons = self.js("return Object.fromEntries([...document.querySelectorAll('#detail .commands button')]"
                          ".map(b => [b.dataset.command, !b.disabled]))")
        expected = {command: command in allowed for command in ("retry", "pause", "resume", "cancel")}
        self.check(buttons == expected, f"command buttons {buttons} vs allowed {sorted(allowed)}")


def alive(pid):
    """Whether `pid` runs (a zombie waiting for its parent to reap it does not)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def main():
    parser = argparse.ArgumentParser()
    for name in ["--base", "--maestro", "--directory", "--db", "--project", "--screenshots"]:
        parser.add_argument(name, required=True)
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    os.makedirs(args.screenshots, exist_ok=True)
    for name in os.listdir(args.screenshots):
        if name.endswith(".png"):
            os.remove(os.path.join(args.screenshots, name))
    # A bound on the whole run: a hang fails instead of blocking CI.
    signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(Failure("the browser test took longer than 150 s")))
    signal.alarm(150)
    run = Run(args)
    started = time.monotonic()
    try:
        run.run()
    except Failure as failure:
        run.problems.append(str(failure))
    except Exception as error:
        run.problems.append(f"{type(error).__name__}: {error}")
    finally:
        signal.alarm(0)
        run.summary["seconds"] = round(time.monotonic() - started, 1)
        run.summary["problems"] = run.problems
        try:
            if run.problems:
                run.driver.save_screenshot(os.path.join(args.screenshots, "failure.png"))
        finally:
            run.driver.quit()
            if run.restarted and run.restarted.poll() is None:
                run.restarted.send_signal(signal.SIGTERM)
                run.restarted.wait(timeout=30)
    print(json.dumps(run.summary, indent=1))
    if run.problems:
        print("\n".join(run.problems), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()

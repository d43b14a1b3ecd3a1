"""Times the dashboard's first render in headless Chromium and counts the bytes it transfers.

Usage: bench.py BASE_URL CARDS [RUNS]

Each cold run loads BASE_URL with the browser cache disabled; each warm run loads it again with the
cache on (the assets revalidate: 304s). A run ends when the page marks `board-rendered` (the frame
after the first full render painted) and shows CARDS cards; its time is that mark, measured from
the navigation's start. Bytes are the Resource Timing transfer sizes (headers and bodies) of the
page, its assets and its API reads; the WebSocket is not counted. Prints one JSON object.
"""
import json
import statistics
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def load(driver, base, cards):
    driver.get(base + "/")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        done = driver.execute_script(
            "return document.body.dataset.boardReady === 'true' && document.querySelectorAll('.card').length")
        if done == cards:
            break
        time.sleep(0.02)
    else:
        raise SystemExit(f"the board did not show {cards} cards")
    return driver.execute_script("""
        const mark = performance.getEntriesByName('board-rendered')[0].startTime;
        const navigation = performance.getEntriesByType('navigation')[0];
        const resources = performance.getEntriesByType('resource');
        const sum = (list) => list.reduce((total, entry) => total + entry.transferSize, 0);
        const api = resources.filter((entry) => new URL(entry.name).pathname.startsWith('/api/'));
        const assets = resources.filter((entry) => !api.includes(entry));
        return {ms: mark, page: navigation.transferSize, assets: sum(assets), api: sum(api),
                requests: resources.length + 1, domContentLoaded: navigation.domContentLoadedEventEnd};
    """)


def summary(samples):
    times = [sample["ms"] for sample in samples]
    return {"median_ms": round(statistics.median(times), 1), "p90_ms": round(percentile(times, 0.9), 1),
            "min_ms": round(min(times), 1), "runs": len(times),
            "bytes": {key: samples[-1][key] for key in ("page", "assets", "api")},
            "requests": samples[-1]["requests"]}


def main():
    base, cards = sys.argv[1].rstrip("/"), int(sys.argv[2])
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,800"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        driver.execute_cdp_cmd("Network.enable", {})
        load(driver, base, cards)  # warm the browser itself (process, fonts)
        driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
        cold = [load(driver, base, cards) for _ in range(runs)]
        driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": False})
        load(driver, base, cards)
        warm = [load(driver, base, cards) for _ in range(runs)]
    finally:
        driver.quit()
    print(json.dumps({"cards": cards, "cold": summary(cold), "warm": summary(warm)}, indent=1))


if __name__ == "__main__":
    main()

"""Screenshots of every page for each role at 1280x720 and 390x844, from a running demo dashboard.

    python scripts/screenshots.py [--url http://127.0.0.1:8050] [--out docs/screenshots]

Start the demo first (bash scripts/demo.sh). Uses Debian's Chromium (or NHSV_BROWSER_PATH).
"""

from __future__ import annotations

import argparse
import os
import shutil
from pathlib import Path

from playwright.sync_api import sync_playwright

USERS = {"coordinator": "coordinator@demo.nhsv.nl", "gemeente": "hoorn@demo.nhsv.nl"}
PASSWORD = "demo-wachtwoord-2026"
PAGES = ["/", "/gemeente/GM0405", "/vergelijken?gemeente=GM0405", "/ontwikkeling", "/signalen", "/aanleveren",
         "/aanlevering", "/verantwoording"]
SIZES = {"desktop": (1280, 720), "mobiel": (390, 844)}
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"]


def browser_path() -> str:
    return os.environ.get("NHSV_BROWSER_PATH") or shutil.which("chromium") or "/usr/bin/chromium"


def login(page, base: str, email: str) -> None:
    page.goto(base + "/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8050")
    parser.add_argument("--out", default="docs/screenshots")
    parser.add_argument("--full-page", action="store_true", help="capture the whole page, not the viewport")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=browser_path(), args=BROWSER_ARGS)
        for role, email in USERS.items():
            for size_name, (width, height) in SIZES.items():
                context = browser.new_context(viewport={"width": width, "height": height}, locale="nl-NL")
                page = context.new_page()
                login(page, args.url, email)
                for path in PAGES:
                    page.goto(args.url + path)
                    page.wait_for_load_state("networkidle")
                    page.wait_for_timeout(800)
                    name = (path.split("?")[0].strip("/").replace("/", "_") or "overzicht")
                    target = out / f"{name}_{role}_{size_name}.png"
                    page.screenshot(path=str(target), full_page=args.full_page)
                    print(target)
                context.close()
        browser.close()


if __name__ == "__main__":
    main()

"""The portal in a real browser (Playwright driving Debian's Chromium): launching it, axe-core on a
page (no serious or critical violation; the counts kept for the report), screenshots at a desk's
and a phone's width into docs/screenshots/, submitting a form, and signing in through every step an
account needs (a new password, the second factor's enrolment, the code)."""

from __future__ import annotations

from typing import Any

import pyotp
from axe_playwright_python.sync_playwright import Axe
from PIL import Image
from playwright.sync_api import BrowserContext, Page, expect

from shared.settings import PROJECT_ROOT

SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
# Six Python processes importing at once on a shared, busy machine take their time to answer.
STARTUP_SECONDS = 150


def start_patiently(*processes: Any) -> None:
    """Launch every process, then wait for each to be healthy (all import in parallel)."""
    for process in processes:
        process.launch()
    for process in processes:
        process.wait_healthy(timeout=STARTUP_SECONDS)


def check_accessibility(axe_counts: dict[str, dict[str, int]], page: Page, name: str) -> None:
    """axe-core on the page as it stands: no serious or critical violation."""
    violations = Axe().run(page).response["violations"]
    counts: dict[str, int] = {}
    for violation in violations:
        impact = violation["impact"] or "unknown"
        counts[impact] = counts.get(impact, 0) + len(violation["nodes"])
    axe_counts[name] = counts
    bad = [(v["id"], v["impact"], v["nodes"][0]["target"]) for v in violations
           if v["impact"] in ("serious", "critical")]
    assert bad == [], f"{name}: {bad}"


def screenshot(page: Page, name: str) -> None:
    """The page at a desk's and a phone's width, as small palette PNGs in docs/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    for label, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        path = SCREENSHOTS / f"{name}-{label}.png"
        page.screenshot(path=str(path))
        image = Image.open(path).convert("RGB").quantize(colors=48, method=Image.Quantize.MEDIANCUT)
        image.save(path, optimize=True)
        assert image.width == width and len(image.getcolors() or []) > 8, "blank screenshot"
    if size:
        page.set_viewport_size(size)


def submit(page: Page, selector: str = "main form button[type=submit]") -> None:
    with page.expect_navigation():
        page.click(selector)


def code_for(secret: str) -> str:
    return pyotp.TOTP(secret).now()


def sign_in(url: str, context: BrowserContext, officer_id: str, password: str, new_password: str,
            *, landing: str = "งานของฉัน", on_step: Any = None) -> Page:
    """Through every step the account needs; returns the page it lands on (`landing`, its h1).
    `on_step(page, step)` is called at each step (to check its accessibility)."""
    page = context.new_page()
    page.goto(f"{url}/signin")
    if on_step:
        on_step(page, "signin")
    page.fill("#f-officer_id", officer_id)
    page.fill("#f-password", password)
    submit(page)
    for _ in range(4):
        path = page.url.removeprefix(url).split("?")[0]
        if path == "/signin/new-password":
            if on_step:
                on_step(page, "new-password")
            page.fill("#f-new_password", new_password)
            page.fill("#f-new_password_again", new_password)
            submit(page)
        elif path == "/signin/enrol":
            if on_step:
                on_step(page, "enrol")
            secret = page.get_attribute("code.secret", "data-secret")
            assert secret
            page.fill("#f-code", code_for(secret))
            submit(page)
        else:
            break
    expect(page.locator("h1").first).to_have_text(landing)
    return page

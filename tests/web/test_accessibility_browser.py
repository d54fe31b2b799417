"""axe-core (Deque's accessibility engine, tests/js) audits every page in Chromium.

On a desktop and on a phone (menu open, so its links are audited too), in French and in
English, signed in as a company, as staff, and not signed in: no serious or critical violation of
WCAG 2.2 A/AA or of axe's best practices, colour contrast (the heat map's figures, the badges, the
buttons) and target sizes included.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pagekit import release_database, sign_in_browser
from pagetour import fill, pages
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[1] / "js" / "node_modules" / "axe-core" / "axe.min.js"
SIZES = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
BLOCKING = ("serious", "critical")


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.is_file():
        raise AssertionError(f"axe-core is not installed: `make test` runs `npm ci` in {AXE.parents[2]}")
    return AXE.read_text(encoding="utf-8")


@pytest.fixture
def tour(customer, staff, make_user, monday):
    fill(customer, staff, make_user, monday)
    release_database()
    return {"customer": customer, "staff": staff, None: None}


def audit(page, axe_source: str) -> list[dict]:
    """axe's violations on the page as it stands (evaluated over DevTools: the page's CSP is not involved)."""
    page.evaluate(axe_source)
    return page.evaluate(
        """async () => (await axe.run(document, {
            resultTypes: ["violations"],
            runOnly: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
        })).violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            where: v.nodes.slice(0, 3).map(n => n.target.join(" ") + " — " + (n.failureSummary || "").split("\\n")[1]),
        }))"""
    )


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("who", ["customer", "staff", None])
def test_no_page_has_a_serious_accessibility_violation(browse, tour, axe_source, monday, who, lang):
    page = browse(**SIZES["desktop"])
    if tour[who] is not None:
        sign_in_browser(page, tour[who])
    else:
        page.goto("/login")
    if lang == "en":
        page.get_by_role("button", name="English").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
    found = []
    for visit in [v for v in pages(monday) if v.who == who]:
        for size, viewport in SIZES.items():
            page.set_viewport_size(viewport)
            page.goto(visit.path)
            menu = page.locator("[data-menu-toggle]")
            if size == "phone" and menu.is_visible():
                menu.click()
            folded = page.locator("details:not([open]) > summary")
            while folded.count():  # what a folded part holds is audited too; each click unfolds one
                folded.first.click()
            for violation in audit(page, axe_source):
                if violation["impact"] in BLOCKING:
                    said = f"{violation['id']} [{violation['impact']}] {violation['help']}: {violation['where']}"
                    found.append(f"{visit.path} ({size}): {said}")
    assert not found, "\n".join(found)

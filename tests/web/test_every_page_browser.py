"""In Chromium, every page on a 360 and a 390 px phone and on a desktop, in French and in English.

No page may scroll sideways on a phone: what does not fit (a calendar's grid, the heat map)
scrolls inside its own box. Screenshots of every page at 390×844 and 1366×900 land in
test-output/screenshots/ for a person to look at.
"""

from __future__ import annotations

import pytest
from pagekit import release_database, sign_in_browser
from pagetour import fill, pages
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PHONES = (360, 390)
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


@pytest.fixture
def tour(customer, staff, make_user, monday):
    fill(customer, staff, make_user, monday)
    release_database()
    return {"customer": customer, "staff": staff, None: None}


def open_as(browse, who, lang: str):
    """A page signed in as ``who`` (or nobody), reading ``lang``."""
    page = browse(**DESKTOP)
    if who is not None:
        sign_in_browser(page, who)
    else:
        page.goto("/login")
    if lang == "en":
        page.get_by_role("button", name="English").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
    return page


def sideways(page) -> int:
    """How many CSS pixels the page is wider than the window."""
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("who", ["customer", "staff", None])
def test_no_page_scrolls_sideways_on_a_phone(browse, screenshot, tour, monday, who, lang):
    page = open_as(browse, tour[who], lang)
    too_wide = []
    for visit in [v for v in pages(monday) if v.who == who]:
        page.set_viewport_size(PHONE)
        page.goto(visit.path)
        for width in PHONES:
            page.set_viewport_size({"width": width, "height": 844})
            if sideways(page) > 0:
                too_wide.append(f"{visit.path} at {width} px: {sideways(page)} px too wide")
        screenshot(page, f"{visit.name}-{lang}-phone")
        page.set_viewport_size(DESKTOP)
        screenshot(page, f"{visit.name}-{lang}-desktop")
    assert not too_wide


def test_the_menu_folds_on_a_phone_and_opens_with_its_button(browse, tour):
    page = open_as(browse, tour["customer"], "fr")
    page.set_viewport_size(PHONE)
    page.goto("/portal/bookings")
    menu = page.get_by_role("button", name="Menu")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_role("link", name="Trouver un espace")).to_be_hidden()
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    page.get_by_role("link", name="Trouver un espace").click()
    expect(page.get_by_role("heading", name="Trouver un espace")).to_be_visible()


def test_on_a_desktop_the_navigation_is_open_without_a_menu_button(browse, tour):
    page = open_as(browse, tour["staff"], "fr")
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    expect(page.get_by_role("link", name="Alertes")).to_be_visible()


def test_buttons_and_links_of_the_menu_are_big_enough_to_touch(browse, tour):
    page = open_as(browse, tour["customer"], "fr")
    page.set_viewport_size(PHONE)
    page.goto("/portal/bookings")
    page.get_by_role("button", name="Menu").click()
    targets = "main button, main .button, header a, header button, main select, main input:not([type=hidden])"
    small = page.evaluate(
        """(targets) => [...document.querySelectorAll(targets)]
              .filter(e => e.type !== "checkbox" && e.offsetParent !== null && e.getBoundingClientRect().height < 44)
              .map(e => (e.textContent || e.name || e.outerHTML).trim().slice(0, 60))""",
        targets,
    )
    assert small == []


def test_the_equipment_list_folds_into_one_line_until_opened(browse, tour):
    page = open_as(browse, tour["customer"], "fr")
    page.set_viewport_size(PHONE)
    page.goto("/portal/")
    expect(page.get_by_label("Écran", exact=True)).to_be_hidden()
    page.locator("summary", has_text="Équipement").click()
    page.get_by_label("Écran", exact=True).check()
    page.get_by_role("button", name="Rechercher").click()
    expect(page.locator("summary", has_text="Équipement")).to_contain_text("1 choisi")
    expect(page.get_by_label("Écran", exact=True)).to_be_checked()


# Every visible status badge and calendar bar: no word split over two lines ('Confirm-ée'), nothing sticking out
# of its box or clipped by it. French for the longest words.
CUT_OFF = """() => {
  const shown = e => e.offsetParent !== null && e.getBoundingClientRect().width > 1;
  const box = e => {  // the block the badge sits in
    let a = e.parentElement;
    while (getComputedStyle(a).display === "inline") a = a.parentElement;
    return a;
  };
  const split = e => {
    const words = [], walk = document.createTreeWalker(e, NodeFilter.SHOW_TEXT);
    for (let node; (node = walk.nextNode());) {
      for (const m of node.data.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, m.index); range.setEnd(node, m.index + m[0].length);
        if (shown(node.parentElement) && range.getClientRects().length > 1) words.push(m[0]);
      }
    }
    return words;
  };
  const name = e => e.textContent.replace(/\\s+/g, " ").trim().slice(0, 50);
  const cut = [];
  for (const badge of [...document.querySelectorAll(".status")].filter(shown)) {
    const own = badge.getBoundingClientRect(), outer = box(badge).getBoundingClientRect();
    if (badge.scrollWidth > badge.clientWidth) cut.push(`badge '${name(badge)}' wider than itself`);
    if (own.right > outer.right + 0.5) cut.push(`badge '${name(badge)}' sticks out of its box`);
    for (const word of split(badge)) cut.push(`badge '${name(badge)}' splits '${word}'`);
  }
  for (const bar of [...document.querySelectorAll(".bar-main")].filter(shown)) {
    if (bar.scrollHeight > bar.clientHeight) cut.push(`bar '${name(bar)}' clips its lines`);
    if (bar.scrollWidth > bar.clientWidth) cut.push(`bar '${name(bar)}' clips its width`);
  }
  return cut;
}"""


@pytest.mark.parametrize("who", ["customer", "staff"])
def test_badges_and_calendar_bars_show_their_words_whole_on_phones_and_a_desktop(browse, tour, monday, who):
    page = open_as(browse, tour[who], "fr")
    cut = []
    for visit in [v for v in pages(monday) if v.who == who]:
        page.set_viewport_size(DESKTOP)
        page.goto(visit.path)
        for width in (*PHONES, DESKTOP["width"]):
            page.set_viewport_size({"width": width, "height": 844})
            cut += [f"{visit.path} at {width} px: {problem}" for problem in page.evaluate(CUT_OFF)]
    assert not cut

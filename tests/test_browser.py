"""The reader page and the API explorer in a real browser.

Headless Chromium (Debian's package, driven by Playwright's Python client; Playwright's own
browser builds are never downloaded) loads the app as gunicorn serves it on loopback, with the
production settings and security headers. Screenshots go to test-artifacts/.

Without Chromium or Playwright the suite is skipped with the reason, except in CI (the `CI`
environment variable is set), where a missing browser is a failure: CI must run it.
"""

import json
import os
import re
import urllib.error
import urllib.request
from dataclasses import dataclass, field

import pytest

from conftest import (
    ARTICLE,
    ARTICLE_ID,
    ARTIFACTS,
    FACT_LISTS,
    KINDS,
    MARKED_KINDS,
    gunicorn_server,
)

pytestmark = pytest.mark.system

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # the suite reports what is missing below
    sync_playwright = None

CHROMIUM = "/usr/bin/chromium"
# Headless in a container: no sandbox (root, no user namespaces), no GPU, and nothing that
# would reach for the network on its own (updates, sync, QUIC probes).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

MISSING = [
    need
    for need, present in (
        ("Playwright's Python client (pip install playwright)", sync_playwright is not None),
        (f"Chromium at {CHROMIUM} (apt-get install chromium)", os.path.exists(CHROMIUM)),
    )
    if not present
]
if MISSING and not os.environ.get("CI"):
    pytest.skip("browser suite needs " + " and ".join(MISSING), allow_module_level=True)


def fetch_json(url):
    """What the running API answers at `url`, decoded."""
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


def content_type(url, timeout):
    """The media type the server answers `url` with, or None for an error or no answer."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.headers.get_content_type()
    except urllib.error.HTTPError as error:
        error.close()
    except OSError:
        pass
    return None


@pytest.fixture(scope="module")
def server():
    """The app as production runs it: gunicorn with its config file, on a loopback port."""
    environment = {
        key: value for key, value in os.environ.items() if key != "ARTICLE_FACTS_CORPUS_DIR"
    }
    with gunicorn_server(env=environment, log_name="browser-gunicorn") as running:
        if content_type(running.url, timeout=10) != "text/html":
            pytest.fail("GET / is not the reader page: create_app must register api.reader")
        yield running.url


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless, for the whole module."""
    if MISSING:
        pytest.fail("CI must run the browser suite, but it needs " + " and ".join(MISSING))
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, timeout=60_000
        )
        yield chromium
        chromium.close()


@dataclass
class Visit:
    """A browser tab on the app, with every request that failed and every console error."""

    page: object
    problems: list = field(default_factory=list)

    def screenshot(self, name, **options):
        """Save what the tab shows as test-artifacts/<name>.png."""
        self.page.screenshot(path=ARTIFACTS / f"{name}.png", **options)


def open_tab(browser, base_url, **context_options):
    """A fresh browser context on the app, recording problems, confined to loopback."""
    context = browser.new_context(
        base_url=base_url, viewport={"width": 1280, "height": 900}, **context_options
    )
    context.set_default_timeout(15_000)
    visit = Visit(context.new_page())
    # Nothing may leave the machine: a request anywhere but the app fails, and is reported.
    context.route(
        re.compile(rf"^(?!{re.escape(base_url)}/)"), lambda route: route.abort("blockedbyclient")
    )
    problems = visit.problems

    def failed(request):
        problems.append(f"failed: {request.url} ({request.failure})")

    def answered(response):
        if response.status >= 400:
            problems.append(f"{response.status}: {response.url}")

    def logged(message):
        # CSP violations and uncaught errors are console errors.
        if message.type == "error":
            problems.append(f"console: {message.text}")

    visit.page.on("requestfailed", failed)
    visit.page.on("response", answered)
    visit.page.on("console", logged)
    visit.page.on("pageerror", lambda error: problems.append(f"script: {error}"))
    return context, visit


@pytest.fixture()
def tab(browser, server):
    """A tab with JavaScript on, as most readers have it."""
    context, visit = open_tab(browser, server)
    yield visit
    context.close()


@pytest.fixture()
def tab_without_javascript(browser, server):
    """A tab with JavaScript off: the page must still read and link."""
    context, visit = open_tab(browser, server, java_script_enabled=False)
    yield visit
    context.close()


@pytest.fixture(scope="module")
def facts(server):
    """Every fact of the article as the running API lists it."""
    return {name: fetch_json(f"{server}{ARTICLE}/{name}?page_size=100") for name in FACT_LISTS}


def visible_highlights(page, kind):
    """How many highlights of a kind the page draws (first pieces only) and how many show."""
    return page.eval_on_selector_all(
        f'[data-kind="{kind}"]:not([data-continued])',
        "marks => [marks.length, marks.filter(m => m.getClientRects().length > 0).length]",
    )


def test_reader_page_draws_every_mention_the_api_lists(tab, facts):
    tab.page.goto("/")
    expect(tab.page.locator("h1")).to_have_text(re.compile("North Korean troops"))
    for list_name, kind in MARKED_KINDS.items():
        mentions = sum(len(fact["mentions"]) for fact in facts[list_name])
        assert visible_highlights(tab.page, kind) == [mentions, mentions], list_name
    tab.screenshot("reader-page", full_page=True)
    assert tab.problems == []


def test_timeline_shows_every_dated_event_at_its_precision(tab, facts):
    tab.page.goto("/")
    events = facts["timeline"]
    entries = tab.page.locator("ol.timeline > li")
    expect(entries).to_have_count(len(events))
    widths = {}
    for event in events:
        entry = tab.page.locator(f"#timeline-{event['id']}")
        expect(entry).to_be_visible()
        expect(entry.locator("time")).to_have_attribute("datetime", event["date"])
        drawn = entry.locator(".span-bar, .span-point").bounding_box()
        assert drawn and drawn["width"] > 0, event["id"]
        widths[event["date"]] = drawn["width"]
    # A year is drawn about twelve times as wide as a month; a day is a thin mark, not a span.
    assert 9 < widths["2024"] / widths["2024-08"] < 15
    assert widths["2025-11-16"] < widths["2024-08"]
    tab.page.locator("#timeline").screenshot(path=ARTIFACTS / "reader-timeline.png")

    # Each entry leads to the words in the text that date it.
    event = next(e for e in events if e["id"] == "ukraine-assaults-kursk")
    tab.page.locator(f"#timeline-{event['id']} a.to-text").first.click()
    words = tab.page.locator(f"#event-{event['id']}-1")
    expect(words).to_be_in_viewport()
    assert words.inner_text() == event["mentions"][0]["text"]  # what shows, not the notes
    assert tab.problems == []


@pytest.mark.parametrize("list_name", ["entities", "quotes", "figures"])
def test_clicking_a_highlight_shows_its_json_and_api_url(tab, server, facts, list_name):
    tab.page.goto("/")
    fact = facts[list_name][-1]
    highlight = tab.page.locator(f'[data-kind="{KINDS[list_name]}"][data-id="{fact["id"]}"]')
    highlight.first.locator("a.hl-link").first.click()
    inspector = tab.page.locator("#inspector")
    api_url = f"{server}{ARTICLE}/{list_name}/{fact['id']}"
    expect(inspector.locator(".inspector-url")).to_have_text(api_url)
    expect(inspector.locator(".inspector-json")).to_contain_text(f'"id": "{fact["id"]}"')
    assert json.loads(inspector.locator(".inspector-json").inner_text()) == fact
    expect(highlight.first).to_have_class(re.compile(r"\bis-selected\b"))
    tab.screenshot(f"reader-selected-{KINDS[list_name]}")
    assert tab.problems == []


def test_article_url_is_the_reader_page_for_a_browser_and_json_for_its_script(tab, server):
    tab.page.goto(ARTICLE)
    expect(tab.page.locator("h1")).to_have_text(re.compile("North Korean troops"))
    # The same URL, fetched by the page's script for its JSON: a cached HTML copy must not do.
    tab.page.locator(".as-data a", has_text="metadata").click()
    inspector = tab.page.locator("#inspector")
    expect(inspector.locator(".inspector-url")).to_have_text(f"{server}{ARTICLE}")
    expect(inspector.locator(".inspector-json")).to_contain_text(f'"id": "{ARTICLE_ID}"')
    assert tab.problems == []


def tab_to_first(tab, kind):
    """Press Tab until a highlight of this kind has the focus; its focused link and its note."""
    for _ in range(200):  # bounded: the first of each kind is a few dozen stops in
        tab.page.keyboard.press("Tab")
        if tab.page.evaluate(f"document.activeElement.closest('[data-kind={kind}]') !== null"):
            break
    else:
        pytest.fail(f"no {kind} highlight is reachable with the Tab key")
    focused = tab.page.locator(":focus")
    assert focused.evaluate("e => getComputedStyle(e).outlineStyle") != "none"
    note = tab.page.locator(f"#{focused.get_attribute('aria-describedby')}")
    expect(note).to_be_visible()
    return focused, note


def test_keyboard_focus_on_a_figure_shows_its_value_qualifier_and_source(tab, facts):
    tab.page.goto("/")
    figure = facts["figures"][0]
    sources = {e["id"]: e["name"] for e in facts["entities"] if e["id"] in figure["source_ids"]}
    _, note = tab_to_first(tab, "figure")
    expect(note).to_contain_text(f"{figure['value']:,}")
    expect(note).to_contain_text(figure["qualifier"].replace("_", " "))
    for name in sources.values():
        expect(note).to_contain_text(name)
    tab.screenshot("reader-figure-focus")
    assert tab.problems == []


def test_keyboard_focus_on_a_claims_cue_shows_who_makes_the_claim(tab, facts):
    tab.page.goto("/")
    claim = facts["claims"][0]
    claimants = [e["name"] for e in facts["entities"] if e["id"] in claim["claimant_ids"]]
    focused, note = tab_to_first(tab, "cue")
    assert focused.inner_text() == claim["cue"]["text"]
    for name in claimants:
        expect(note).to_contain_text(name)
    expect(note).to_contain_text(claim["summary"])
    tab.screenshot("reader-claim-focus")
    tab.page.locator("#claims").screenshot(path=ARTIFACTS / "reader-claims.png")
    assert tab.problems == []


def test_page_reads_and_links_with_javascript_off(tab_without_javascript, server, facts):
    page = tab_without_javascript.page
    page.goto("/")
    for list_name, kind in MARKED_KINDS.items():
        mentions = sum(len(fact["mentions"]) for fact in facts[list_name])
        assert visible_highlights(page, kind) == [mentions, mentions], list_name
    expect(page.locator("#inspector")).to_be_hidden()
    tab_without_javascript.screenshot("reader-no-javascript")
    # A highlight is a plain link to the object's JSON.
    quote = facts["quotes"][0]
    page.locator(f'[data-kind="quote"][data-id="{quote["id"]}"] a.hl-link').first.click()
    page.wait_for_url(f"{server}{ARTICLE}/quotes/{quote['id']}")
    assert json.loads(page.locator("body").inner_text()) == quote
    assert tab_without_javascript.problems == []


def relative_luminance(colour):
    """WCAG 2 relative luminance of a CSS `rgb(...)` colour."""
    channels = [int(c) / 255 for c in re.findall(r"[\d.]+", colour)[:3]]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground, background):
    """WCAG 2 contrast ratio of two CSS colours (AA body text needs 4.5)."""
    lighter, darker = sorted(map(relative_luminance, (foreground, background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_highlights_and_notes_have_aa_contrast(tab):
    tab.page.goto("/")
    samples = tab.page.eval_on_selector_all(
        "mark[data-kind], .tip, .event-date, .hl--quote",
        """elements => elements.map(e => {
            const style = getComputedStyle(e);
            const after = getComputedStyle(e, '::after');
            return {kind: e.className, color: style.color, background: style.backgroundColor,
                    badgeColor: after.color, badgeBackground: after.backgroundColor};
        })""",
    )
    assert samples
    for sample in samples:
        assert contrast(sample["color"], sample["background"]) >= 4.5, sample
        if "hl--quote" in sample["kind"]:  # the speaker's name after each quote
            assert contrast(sample["badgeColor"], sample["badgeBackground"]) >= 4.5, sample


def operations(server):
    """Every (method, path) the running app's OpenAPI document describes."""
    document = fetch_json(f"{server}/openapi.json")
    return [
        (method, path)
        for path, item in document["paths"].items()
        for method in item
        if method in ("get", "put", "post", "delete", "patch", "head", "options")
    ]


def test_explorer_loads_with_no_failed_request_and_lists_every_operation(tab, server):
    tab.page.goto("/docs")
    blocks = tab.page.locator(".opblock")
    expect(blocks.first).to_be_visible()
    expected = operations(server)
    expect(blocks).to_have_count(len(expected))
    for method, path in expected:
        block = tab.page.locator(f'.opblock-{method} [data-path="{path}"]')
        expect(block).to_have_count(1)
    tab.page.wait_for_load_state("networkidle")
    tab.screenshot("docs", full_page=True)
    assert tab.problems == []


def test_explorer_try_it_out_lists_the_entities(tab):
    tab.page.goto("/docs")
    path = "/v1/articles/{article_id}/entities"
    operation = tab.page.locator(".opblock-get").filter(
        has=tab.page.locator(f'.opblock-summary-path[data-path="{path}"]')
    )
    operation.locator(".opblock-summary-control").click()
    operation.get_by_role("button", name="Try it out").click()
    # Swagger UI fills the path parameter from its example in the OpenAPI document.
    expect(operation.locator('tr[data-param-name="article_id"] input')).to_have_value(ARTICLE_ID)
    with tab.page.expect_response(re.compile(r"/entities(\?|$)")) as answer:
        operation.get_by_role("button", name="Execute").click()
    # The request carries the filters Swagger UI prefilled from their examples, if any.
    entities = answer.value.json()
    assert answer.value.status == 200
    assert entities and entities == fetch_json(answer.value.url)
    result = operation.locator(".live-responses-table .response")
    expect(result.locator(".response-col_status").first).to_have_text("200")
    expect(result.locator(".response-col_description")).to_contain_text(entities[0]["id"])
    result.scroll_into_view_if_needed()
    tab.screenshot("docs-try-it-out")
    assert tab.problems == []


def test_an_entity_across_articles_page_links_into_the_article(tab, server):
    """`/wikidata/Q423` loads with no failed request and no script or CSP error; the skip link
    reaches its heading; each link to the article lands on the element it names, shown."""
    tab.page.goto("/wikidata/Q423")
    expect(tab.page.locator("h1")).to_have_text("North Korea")
    tab.page.keyboard.press("Tab")
    expect(tab.page.locator(".skip-link")).to_be_focused()
    tab.page.keyboard.press("Enter")
    expect(tab.page.locator("#entity-heading")).to_be_focused()
    tab.screenshot("wikidata-entity-page", full_page=True)
    targets = tab.page.eval_on_selector_all(
        "#main a.to-text", "links => links.map(link => link.getAttribute('href'))"
    )
    assert targets and all(target.startswith(f"{ARTICLE}#") for target in targets), targets
    for target in sorted(set(targets))[:6]:
        tab.page.goto(target)
        expect(tab.page.locator(f"#{target.split('#')[1]}")).to_be_visible()
    assert tab.problems == []

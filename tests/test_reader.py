"""The reader page, read as HTML: every fact marked in place, a timeline, and no inline code."""

import re
import shutil
from html.parser import HTMLParser

import pytest

from api import create_app, reader
from api.reader.page import Highlight, mark_up_text
from conftest import ARTICLE, ARTICLE_ID, FACT_LISTS, KINDS, ROOT, SECOND_ARTICLE_DIR
from schemas.entities import ENTITY_TYPES
from schemas.kinds import KINDS as FACT_KINDS

VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "wbr"}


class Element:
    """An element of a parsed page, with just enough of a DOM to query it."""

    def __init__(self, tag, attributes, parent):
        self.tag = tag
        self.attributes = dict(attributes)
        self.parent = parent
        self.children = []

    @property
    def classes(self):
        return set((self.attributes.get("class") or "").split())

    def get(self, name):
        return self.attributes.get(name)

    def iter(self):
        """This element and every element inside it, in document order."""
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.iter()

    def find_all(self, tag=None, **attributes):
        """Descendants with this tag and these attribute values (`class_` matches one class)."""
        wanted_class = attributes.pop("class_", None)
        return [
            element
            for element in self.iter()
            if element is not self
            and (tag is None or element.tag == tag)
            and (wanted_class is None or wanted_class in element.classes)
            and all(element.get(name.replace("_", "-")) == v for name, v in attributes.items())
        ]

    def find(self, tag=None, **attributes):
        found = self.find_all(tag, **attributes)
        assert found, f"no <{tag}> with {attributes}"
        return found[0]

    def ancestors(self):
        element = self.parent
        while element is not None:
            yield element
            element = element.parent

    def text(self):
        """The words a reader sees, without the notes the page adds (tooltips, date links)."""
        parts = []
        for child in self.children:
            if isinstance(child, str):
                parts.append(child)
            elif "reader-ui" not in child.classes:
                parts.append(child.text())
        return "".join(parts)


class Page(HTMLParser):
    """Parse a page into Elements; record any end tag that does not close the open element."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {}, None)
        self.current = self.root
        self.misnested = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        element = Element(tag, attrs, self.current)
        self.current.children.append(element)
        if tag not in VOID_ELEMENTS:
            self.current = element

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Element(tag, attrs, self.current))

    def handle_endtag(self, tag):
        if self.current.tag != tag:
            self.misnested.append(f"</{tag}> closes <{self.current.tag}>")
            return
        self.current = self.current.parent

    def handle_data(self, data):
        self.current.children.append(data)


@pytest.fixture(scope="module")
def response(app):
    """The answer to GET /, read to the end."""
    with app.test_client().get("/") as answer:
        answer.get_data()
        return answer


@pytest.fixture(scope="module")
def page(response):
    """GET / parsed; its tags must nest as written."""
    parsed = Page(response.get_data(as_text=True))
    assert parsed.misnested == []
    return parsed.root


@pytest.fixture(scope="module")
def metadata(app):
    """The article's metadata as the API serves it."""
    return app.test_client().get(ARTICLE).get_json()


def highlights(page, kind):
    """The highlight elements of one kind, each the first (or only) piece of a mention."""
    return [
        element
        for element in page.find_all(data_kind=kind)
        if "data-continued" not in element.attributes
    ]


def test_home_is_the_reader_page_of_the_one_article(response, page, metadata):
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert page.find("html").get("lang") == "en"
    assert metadata["title"] in page.find("title").text()
    assert page.find("h1").text() == metadata["title"]
    assert page.find("div", class_="article-text").get("lang") == metadata["language"]


@pytest.mark.parametrize("list_name", [kind.path for kind in FACT_KINDS if kind.marks_text])
def test_every_mention_is_one_highlight_spanning_its_words(page, facts, list_name):
    marked = {}
    for element in highlights(page, KINDS[list_name]):
        span = (
            element.get("data-id"),
            int(element.get("data-start")),
            int(element.get("data-end")),
        )
        marked[span] = element
    expected = {
        (fact["id"], mention["start"], mention["end"]): mention["text"]
        for fact in facts[list_name]
        for mention in fact["mentions"]
    }
    assert len(highlights(page, KINDS[list_name])) == len(expected)
    assert set(marked) == set(expected)
    for span, words in expected.items():
        assert marked[span].text() == words, span


@pytest.mark.parametrize("entity_type", ENTITY_TYPES)
def test_every_entity_type_has_its_colours(entity_type):
    css = (ROOT / "api" / "reader" / "static" / "reader.css").read_text(encoding="utf-8")
    rule = re.search(rf"\.hl--{entity_type} \{{([^}}]*)\}}", css)
    assert rule and "--entity-bg" in rule.group(1) and "--entity-line" in rule.group(1)


def test_the_relations_section_lists_every_relation_with_its_json(page, facts):
    section = page.find("section", id="relations")
    items = section.find_all("li", class_="relation")
    assert [item.get("data-id") for item in items] == [r["id"] for r in facts["relations"]]
    for item, relation in zip(items, facts["relations"], strict=True):
        assert relation["summary"] in item.text()
        assert relation["predicate"].replace("_", " ") in item.text()


def test_the_marked_up_text_is_the_article_text(page, article_text):
    paragraphs = page.find("div", class_="article-text").find_all("p")
    lines = [line for line in article_text.split("\n") if line.strip()]
    assert [paragraph.text() for paragraph in paragraphs] == lines


def test_nested_mentions_are_nested_elements(page):
    spans = {}
    for element in page.find_all():
        if element.get("data-kind"):
            spans[element] = (int(element.get("data-start")), int(element.get("data-end")))
    for element, (start, end) in spans.items():
        for ancestor in element.ancestors():
            if ancestor in spans:
                outer_start, outer_end = spans[ancestor]
                assert outer_start <= start and end <= outer_end
    # "DPRK" (the country) inside "DPRK troops"; a figure inside the clause that dates it.
    (dprk,) = [e for e in page.find_all(data_id="north-korea") if e.text() == "DPRK"]
    assert dprk.parent.get("data-id") == "north-korean-troops"
    figure = page.find(data_kind="figure", data_id="north-korean-soldiers-sent")
    assert "north-korea-sends-troops" in [a.get("data-id") for a in figure.ancestors()]


@pytest.mark.parametrize("list_name", ["entities", "quotes", "figures"])
def test_each_highlight_links_to_its_json(app, page, facts, list_name):
    client = app.test_client()
    for fact in facts[list_name]:
        url = f"{ARTICLE}/{list_name}/{fact['id']}"
        for element in page.find_all(data_kind=KINDS[list_name], data_id=fact["id"]):
            links = [a.get("href") for a in element.find_all("a", class_="hl-link")]
            assert url in links, (fact["id"], links)
        assert client.get(url).get_json() == fact


def test_links_never_nest(page):
    for link in page.find_all("a"):
        assert not [a for a in link.ancestors() if a.tag == "a"], link.attributes


def test_hover_notes_give_a_figure_its_value_qualifier_and_source(page, facts):
    entities = {entity["id"]: entity["name"] for entity in facts["entities"]}
    figure = next(f for f in facts["figures"] if f["id"] == "north-korean-soldiers-sent")
    element = highlights(page, "figure")[0]
    assert element.get("data-id") == figure["id"]
    link = element.find("a", class_="hl-link")
    note = page.find(id=link.get("aria-describedby"))
    assert note.get("role") == "tooltip"
    words = note.text()
    assert "14,000 soldiers" in words
    assert "approximately" in words
    for source in figure["source_ids"]:
        assert entities[source] in words


def test_quotes_carry_their_speaker(page, facts):
    speakers = {entity["id"]: entity["name"] for entity in facts["entities"]}
    for quote in facts["quotes"]:
        for element in page.find_all(data_kind="quote", data_id=quote["id"]):
            assert element.get("data-speaker") == speakers[quote["speaker_id"]]


def test_each_claims_cue_links_to_the_claim_and_names_who_makes_it(app, page, facts):
    names = {entity["id"]: entity["name"] for entity in facts["entities"]}
    client = app.test_client()
    for claim in facts["claims"]:
        # Every place the claim is stated has its cue marked, the first at the claim's `cue`.
        cues = page.find_all(data_kind="cue", data_id=claim["id"])
        assert len(cues) == len(claim["statements"])
        assert cues[0].get("id") == f"cue-{claim['id']}-1"
        for cue, statement in zip(cues, claim["statements"], strict=True):
            assert cue.tag == "mark"
            assert cue.text() == statement["cue"]["text"]
            assert (int(cue.get("data-start")), int(cue.get("data-end"))) == (
                statement["cue"]["start"],
                statement["cue"]["end"],
            )
            link = cue.find("a", class_="hl-link")
            assert link.get("href") == f"{ARTICLE}/claims/{claim['id']}"
            assert client.get(link.get("href")).get_json() == claim
            # The claimant shows on hover and keyboard focus, in the note the link points to.
            note = page.find(id=link.get("aria-describedby"))
            assert note.get("role") == "tooltip"
            for claimant in claim["claimant_ids"]:
                assert names[claimant] in note.text()
            assert claim["summary"] in note.text()
            # The cue sits inside the claim's statement.
            assert claim["id"] in [a.get("data-id") for a in cue.ancestors() if a.get("data-kind")]
    standfirst_cue = page.find(id="cue-sources-troops-sent-and-killed-2")
    assert standfirst_cue.text() == "saying"


def test_withheld_claims_say_so_in_their_own_words(page, facts):
    withheld = [claim for claim in facts["claims"] if claim["polarity"] == "withheld"]
    assert len(withheld) == 2
    for claim in withheld:
        [item] = page.find("ol", class_="claims").find_all("li", data_id=claim["id"])
        assert "claim--withheld" in item.get("class")
        marker = item.find("span", class_="claim-polarity--withheld")
        assert marker.text() == "withheld: the text says they have not stated it"
        [cue] = page.find_all(id=f"cue-{claim['id']}-1")
        assert cue.get("data-polarity") == "withheld"
        note = page.find(id=cue.find("a", class_="hl-link").get("aria-describedby"))
        assert note.text().startswith("Not stated by North Korea")
    assert "denied" not in page.find("ol", class_="claims").text()


def test_an_editors_insertion_in_a_quote_is_marked_as_the_editors(page, facts):
    [insertion] = page.find_all(class_="hl--insertion", data_kind="insertion")
    assert insertion.text().startswith("(in this war)")
    assert [a.get("data-id") for a in insertion.ancestors() if a.get("data-kind")][0] == (
        "skibytsky-they-are-learning"
    )
    note = page.find(id="tip-insertion-skibytsky-they-are-learning-1")
    assert "Added by the editor" in note.text() and "Vadym Skibytsky" in note.text()


def test_a_state_holding_at_publication_is_ongoing_as_of_its_date(page):
    [row] = page.find_all("li", id="timeline-north-korean-soldiers-demining-kursk")
    assert "timeline-event--as-of" in row.get("class")
    assert row.find("time").text() == "ongoing as of 16 November 2025"
    assert row.find("line", class_="span-as-of") is not None
    [published] = page.find_all("li", id="timeline-article-published")
    assert published.find("time").text() == "16 November 2025"


def test_who_claims_what_lists_every_claim_with_its_words(page, facts):
    items = page.find("ol", class_="claims").find_all("li", class_="claim")
    assert [item.get("data-id") for item in items] == [c["id"] for c in facts["claims"]]
    for item, claim in zip(items, facts["claims"], strict=True):
        assert item.find("a", class_="claim-cue").text() == claim["cue"]["text"]
        assert item.find("blockquote").text() == claim["content"]["text"]
        hrefs = {a.get("href") for a in item.find_all("a")}
        assert f"#cue-{claim['id']}-1" in hrefs
        for number in range(1, len(claim["mentions"]) + 1):
            assert f"#claim-{claim['id']}-{number}" in hrefs


def test_named_entities_link_to_their_wikidata_item(page, facts):
    named = page.find("div", class_="entity-groups")
    for entity in facts["entities"]:
        [item] = named.find_all("li", data_id=entity["id"])
        links = [a.get("href") for a in item.find_all("a", class_="wikidata-link")]
        expected = [f"https://www.wikidata.org/entity/{entity['wikidata']}"]
        assert links == (expected if entity["wikidata"] else []), entity["id"]


def test_timeline_shows_every_event_at_its_precision(page, facts):
    items = page.find("ol", class_="timeline").find_all("li", class_="timeline-event")
    assert [item.get("data-id") for item in items] == [e["id"] for e in facts["timeline"]]
    days_covered = {"2022-02": 28, "2023": 365, "2024": 366, "2024-08": 31, "2025-11-16": 1}
    for item, event in zip(items, facts["timeline"], strict=True):
        assert item.find("time").get("datetime") == event["date"]
        assert item.get("data-precision") == event["precision"]
        if event["precision"] == "day":
            assert item.find_all("line", class_="span-point")
        else:
            bar = item.find("rect", class_="span-bar")
            if event["date"] in days_covered:
                assert float(bar.get("width")) == days_covered[event["date"]]
        # Each entry links to the words that date it, and those words link back.
        for number in range(1, len(event["mentions"]) + 1):
            anchor = f"event-{event['id']}-{number}"
            assert item.find_all("a", href=f"#{anchor}")
            assert page.find(id=anchor).get("data-kind") == "event"
        back = page.find_all("a", class_="event-date", href=f"#timeline-{event['id']}")
        assert len(back) == len(event["mentions"])


def test_who_is_quoted_lists_every_quote_under_its_speaker(page, facts):
    speakers = page.find("ul", class_="speakers")
    for quote in facts["quotes"]:
        speaker = speakers.find("li", class_="speaker", data_id=quote["speaker_id"])
        item = speaker.find("li", class_="speaker-quote", data_id=quote["id"])
        assert item.find("blockquote").text() == quote["text"]


def test_figures_table_has_a_row_per_figure(page, facts):
    entities = {entity["id"]: entity["name"] for entity in facts["entities"]}
    rows = page.find("table", class_="figures-table").find("tbody").find_all("tr")
    assert [row.get("data-id") for row in rows] == [figure["id"] for figure in facts["figures"]]
    for row, figure in zip(rows, facts["figures"], strict=True):
        cells = row.text()
        assert f"{figure['value']:,}" in cells
        assert figure["qualifier"].replace("_", " ") in cells
        for source in figure["source_ids"]:
            assert entities[source] in cells


def test_legend_names_every_entity_type_the_article_has(page, facts):
    legend = page.find("section", class_="legend")
    present = {entity["type"] for entity in facts["entities"]}
    for entity_type in present:
        assert legend.find_all(class_=f"hl--{entity_type}"), entity_type
    for kind in ("quote", "figure", "event"):
        assert legend.find_all(class_=f"hl--{kind}"), kind


def test_page_links_to_the_explorer_and_to_the_json_of_each_resource(page):
    hrefs = {link.get("href") for link in page.find_all("a")}
    assert {"/docs", "/openapi.json", ARTICLE, f"{ARTICLE}/text"} <= hrefs
    for list_name in FACT_LISTS:
        assert f"{ARTICLE}/{list_name}?page_size=100" in hrefs


def test_in_page_links_all_land_and_ids_are_unique(page):
    ids = [element.get("id") for element in page.find_all() if element.get("id")]
    assert len(ids) == len(set(ids))
    for link in page.find_all("a"):
        href = link.get("href") or ""
        if href.startswith("#"):
            assert href[1:] in ids, href
    for element in page.find_all():
        for name in ("aria-describedby", "aria-labelledby"):
            if element.get(name):
                assert element.get(name) in ids, element.get(name)


def test_no_inline_script_style_or_handler_and_every_asset_is_served(app, response, page):
    for element in page.find_all():
        assert "style" not in element.attributes, element.tag
        assert not [name for name in element.attributes if name.startswith("on")], element.tag
        assert element.tag != "style"
        if element.tag == "script":
            assert element.get("src"), "inline script"
    assets = [e.get("src") for e in page.find_all("script")]
    assets += [e.get("href") for e in page.find_all("link")]
    client = app.test_client()
    for url in assets:
        assert url.startswith("/"), f"{url} is not served by the app"
        with client.get(url) as asset:
            assert asset.status_code == 200, url
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_several_articles_get_an_index_linking_each_page(tmp_path):
    for folder in (create_app().config["CORPUS_DIR"], SECOND_ARTICLE_DIR):
        for path in shutil.os.scandir(folder):
            shutil.copy(path.path, tmp_path)
    app = create_app({"CORPUS_DIR": str(tmp_path)})
    if "reader" not in app.blueprints:
        app.register_blueprint(reader.blp)
    with app.test_client().get("/") as response:
        index = Page(response.get_data(as_text=True)).root
    cards = index.find("ul", class_="article-index").find_all("li", class_="article-card")
    assert sorted(card.get("data-id") for card in cards) == sorted(
        [ARTICLE_ID, "riverton-opens-new-bridge"]
    )
    for card in cards:
        assert card.find("a").get("href") == f"/v1/articles/{card.get('data-id')}"
    # Each article's own page renders, whatever its text and facts.
    for article in app.extensions["article_facts"]["corpus"].values():
        with app.test_request_context():
            parsed = Page(reader.render_article_page(article))
        assert parsed.misnested == []
        assert parsed.root.find("h1").text() == article.metadata["title"]


def test_article_url_serves_the_page_to_a_browser_and_json_to_others(app, response):
    client = app.test_client()
    browser_accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    with client.get(ARTICLE, headers={"Accept": browser_accept}) as page:
        assert page.mimetype == "text/html"
        assert page.get_data() == response.get_data()
        # One URL, two representations: a cache must not hand the page to a JSON client.
        assert "accept" in page.vary
    for accept in (None, "application/json", "*/*"):
        headers = {"Accept": accept} if accept else {}
        assert client.get(ARTICLE, headers=headers).get_json()["id"] == ARTICLE_ID


def overlapping_mark_up(text, spans):
    return mark_up_text(
        text,
        [
            Highlight(kind, fact_id, 1, start, end, href=f"/{fact_id}")
            for kind, fact_id, start, end in spans
        ],
    )


def test_spans_that_overlap_without_nesting_are_split_not_lost():
    text = "North Korean troops"
    # "North Korean" and "Korean troops" share "Korean": neither contains the other.
    paragraphs = overlapping_mark_up(
        text, [("entity", "country", 0, 12), ("quote", "words", 6, 19)]
    )
    parsed = Page(str(paragraphs[0].html))
    assert parsed.misnested == []
    assert parsed.root.text() == text
    pieces = parsed.root.find_all(data_id="words")
    assert [piece.text() for piece in pieces] == ["Korean", " troops"]
    assert ["data-continued" in piece.attributes for piece in pieces] == [False, True]
    assert parsed.root.find(data_id="country").text() == "North Korean"


def test_a_span_across_a_line_break_continues_on_the_next_line():
    paragraphs = overlapping_mark_up("one two\nthree", [("figure", "count", 4, 13)])
    lines = [Page(str(paragraph.html)).root for paragraph in paragraphs]
    assert [line.text() for line in lines] == ["one two", "three"]
    assert "data-continued" not in lines[0].find(data_id="count").attributes
    assert "data-continued" in lines[1].find(data_id="count").attributes


def test_html_in_the_text_is_shown_not_run():
    paragraphs = overlapping_mark_up('<script>alert("x")</script> & co', [])
    assert "<script>" not in str(paragraphs[0].html)
    assert Page(str(paragraphs[0].html)).root.text() == '<script>alert("x")</script> & co'


def test_reader_routes_stay_out_of_the_openapi_document(app):
    paths = app.test_client().get("/openapi.json").get_json()["paths"]
    assert "/" not in paths
    assert not [path for path in paths if re.search("reader", path)]

"""Call every operation through the client openapi-python-client generates, unmodified.

Run by tests/test_clients.py against gunicorn, with the generated package
`article_facts_api_client` importable: `python check_client.py BASE_URL`. Every call checks
what came back; mypy (--strict) checks this script against the generated types. It exits
non-zero on the first wrong answer.
"""

import hashlib
import json
import sys
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

from article_facts_api_client import Client
from article_facts_api_client.api.across_articles import (
    list_claims_across_articles,
    list_entities_across_articles,
    list_events_across_articles,
    list_figures_across_articles,
    list_quotes_across_articles,
    list_relations_across_articles,
)
from article_facts_api_client.api.articles import (
    get_article,
    get_article_text,
    list_article_versions,
    list_articles,
)
from article_facts_api_client.api.changes import list_changes
from article_facts_api_client.api.claims import get_claim, list_claims
from article_facts_api_client.api.entities import get_entity, list_entities
from article_facts_api_client.api.exports import get_export, list_exports
from article_facts_api_client.api.figures import get_figure, list_figures
from article_facts_api_client.api.health import check_liveness, check_readiness
from article_facts_api_client.api.quotes import get_quote, list_quotes
from article_facts_api_client.api.relations import get_relation, list_relations
from article_facts_api_client.api.search import search_facts
from article_facts_api_client.api.search_across_articles import search_across_articles
from article_facts_api_client.api.timeline import get_event, list_events
from article_facts_api_client.api.wikidata import get_wikidata_entity
from article_facts_api_client.models import (
    Article,
    ArticleSortKey,
    ArticleSummary,
    ArticleVersion,
    Change,
    Channel,
    Claim,
    ClaimEmbed,
    ClaimField,
    ClaimMode,
    ClaimPolarity,
    ClaimSortKey,
    ClaimWithArticle,
    Entity,
    EntityField,
    EntitySortKey,
    EntityType,
    EntityWithArticle,
    Event,
    EventEmbed,
    EventSortKey,
    EventWithArticle,
    Export,
    FactKind,
    Figure,
    FigureEmbed,
    FigureField,
    FigureSortKey,
    FigureWithArticle,
    Health,
    HealthStatus,
    MatchField,
    Problem,
    ProblemErrors,
    Quote,
    QuoteEmbed,
    QuoteKind,
    QuoteWithArticle,
    Relation,
    RelationEmbed,
    RelationPredicate,
    RelationWithArticle,
    SearchHit,
    SearchResults,
    SearchUnitKind,
    SparseClaim,
    SparseEntity,
    SparseEntityWithArticle,
    SparseFigure,
    WikidataEntity,
)
from article_facts_api_client.types import UNSET, File, Unset

ARTICLE_ID = "north-korean-troops-help-russian-army-clear-mines"
T = TypeVar("T")


def expect(value: object, kind: type[T]) -> T:
    """The value, which must be of the given type."""
    assert isinstance(value, kind), f"expected {kind.__name__}, got {value!r}"
    return value


def expect_list(value: object, kind: type[T]) -> list[T]:
    """The value, which must be a list of the given type."""
    assert isinstance(value, list), f"expected a list, got {value!r}"
    return [expect(item, kind) for item in value]


def check(client: Client) -> None:
    """Every operation, with lists given several values, embed, sort and filters."""
    assert expect(check_liveness.sync(client=client), Health).status is HealthStatus.OK
    assert expect(check_readiness.sync(client=client), Health).status is HealthStatus.READY

    summaries = expect_list(
        list_articles.sync(client=client, sort=[ArticleSortKey.ID_DESCENDING]), ArticleSummary
    )
    assert ARTICLE_ID in [summary.id for summary in summaries]

    article = expect(get_article.sync(ARTICLE_ID, client=client), Article)
    text = expect(get_article_text.sync(ARTICLE_ID, client=client), str)
    assert hashlib.sha256(text.encode("utf-8")).hexdigest() == article.sha256
    assert len(text) == article.text_length
    # Every version of the article, oldest first; the article says which one it is.
    versions = expect_list(list_article_versions.sync(ARTICLE_ID, client=client), ArticleVersion)
    assert versions[-1].version == article.version
    pinned = expect(get_article.sync(ARTICLE_ID, client=client, version=1), Article)
    assert pinned.version == 1

    # A sparse fieldset with two fields, given as a list: the client repeats the key.
    people = list_entities.sync(
        ARTICLE_ID,
        client=client,
        type_=EntityType.PERSON,
        fields=[EntityField.NAME, EntityField.TYPE],
        sort=[EntitySortKey.NAME_DESCENDING],
        page_size=100,
    )
    sparse_people = expect_list(people, SparseEntity)
    names = [expect(person.name, str) for person in sparse_people]
    assert len(names) == article.facets.entities_by_type["person"], names
    assert names == sorted(names, reverse=True), names
    assert all(person.type_ is EntityType.PERSON for person in sparse_people)

    # Entities with a Wikidata item, then the one entity with a given item.
    identified = expect_list(
        list_entities.sync(
            ARTICLE_ID,
            client=client,
            wikidata="true",
            fields=[EntityField.NAME, EntityField.WIKIDATA],
            page_size=100,
        ),
        SparseEntity,
    )
    assert identified and all(isinstance(entity.wikidata, str) for entity in identified)
    north_korea = expect_list(
        list_entities.sync(ARTICLE_ID, client=client, wikidata="Q423"), Entity
    )
    assert [entity.id for entity in north_korea] == ["north-korea"]

    veles = expect(get_entity.sync(ARTICLE_ID, "veles", client=client), Entity)
    assert veles.name == "Veles" and veles.type_ is EntityType.PERSON
    for mention in veles.mentions:
        assert text[mention.start : mention.end] == mention.text

    quotes = expect_list(
        list_quotes.sync(
            ARTICLE_ID,
            client=client,
            speaker="dmitry-peskov",
            embed=[QuoteEmbed.SPEAKER, QuoteEmbed.OUTLET],
        ),
        Quote,
    )
    assert len(quotes) == 2
    for quote in quotes:
        assert expect(quote.speaker, Entity).id == quote.speaker_id == "dmitry-peskov"
        assert quote.channel is None or isinstance(quote.channel, Channel)
        assert quote.kind in (QuoteKind.FULL, QuoteKind.PARTIAL)

    learning = expect(
        get_quote.sync(
            ARTICLE_ID, "skibytsky-they-are-learning", client=client, embed=[QuoteEmbed.OUTLET]
        ),
        Quote,
    )
    assert learning.channel is Channel.INTERVIEW
    assert expect(learning.outlet, Entity).name == "Reuters"
    # The editor's "(in this war)" is marked as an insertion (since 1.2.0).
    assert [insertion.text for insertion in learning.insertions] == ["(in this war)"]

    figures = expect_list(
        list_figures.sync(
            ARTICLE_ID,
            client=client,
            source="vadym-skibytsky",
            sort=[FigureSortKey.VALUE_DESCENDING],
            embed=[FigureEmbed.SOURCES, FigureEmbed.ENTITIES],
        ),
        Figure,
    )
    values = [figure.value for figure in figures]
    assert values == sorted(values, reverse=True) and values[0] == 6500000, values
    for figure in figures:
        assert not isinstance(figure.sources, Unset)  # asked for with embed
        assert [source.id for source in figure.sources] == figure.source_ids

    total = expect(
        get_figure.sync(
            ARTICLE_ID,
            "artillery-shells-total",
            client=client,
            fields=[FigureField.VALUE, FigureField.UNIT],
        ),
        SparseFigure,
    )
    assert (total.id, total.value, total.unit) == (
        "artillery-shells-total",
        6500000,
        "artillery shells",
    )
    assert isinstance(total.description, Unset)  # not asked for, not sent

    events = expect_list(
        list_events.sync(
            ARTICLE_ID,
            client=client,
            from_="2024",
            to="2024",
            embed=[EventEmbed.ENTITIES, EventEmbed.QUOTES],
            sort=[EventSortKey.DATE, EventSortKey.ID_DESCENDING],
        ),
        Event,
    )
    assert events and all(event.date.startswith("2024") for event in events)
    for event in events:
        assert not isinstance(event.entities, Unset)  # asked for with embed
        assert [entity.id for entity in event.entities] == event.entity_ids

    assault = expect(get_event.sync(ARTICLE_ID, "ukraine-assaults-kursk", client=client), Event)
    assert assault.date == "2024-08"

    claims = expect_list(
        list_claims.sync(
            ARTICLE_ID,
            client=client,
            claimant="vadym-skibytsky",
            mode=ClaimMode.INDIRECT,
            embed=[ClaimEmbed.CLAIMANTS, ClaimEmbed.FIGURES],
            sort=[ClaimSortKey.POLARITY, ClaimSortKey.ID_DESCENDING],
        ),
        Claim,
    )
    assert [claim.id for claim in claims] == [
        "skibytsky-shells-since-2023",
        "skibytsky-millions-of-shells",
    ]
    for claim in claims:
        assert claim.mode is ClaimMode.INDIRECT and claim.polarity is ClaimPolarity.ASSERTED
        assert text[claim.content.start : claim.content.end] == claim.content.text
        # The first statement is the claim's cue and content.
        assert claim.statements[0].cue.start == claim.cue.start
        assert claim.statements[0].content.end == claim.content.end
        assert not isinstance(claim.claimants, Unset)  # asked for with embed
        assert [claimant.id for claimant in claim.claimants] == claim.claimant_ids
        assert not isinstance(claim.figures, Unset)
        assert [figure.id for figure in claim.figures] == claim.figure_ids

    # What North Korea has not stated is `withheld` (since 1.2.0), not a denial.
    withheld = expect_list(
        list_claims.sync(
            ARTICLE_ID,
            client=client,
            polarity=ClaimPolarity.WITHHELD,
            fields=[ClaimField.SUMMARY, ClaimField.CLAIMANT_IDS],
        ),
        SparseClaim,
    )
    assert len(withheld) == 2
    assert all(claim.claimant_ids == ["north-korea"] for claim in withheld)
    assert all(isinstance(claim.mode, Unset) for claim in withheld)  # not asked for

    ties = expect(
        get_claim.sync(
            ARTICLE_ID,
            "kim-ties-will-continue",
            client=client,
            embed=[ClaimEmbed.QUOTES, ClaimEmbed.EVENTS],
        ),
        Claim,
    )
    assert ties.channel is Channel.STATEMENT and ties.mode is ClaimMode.PARTIAL
    assert not isinstance(ties.quotes, Unset) and not isinstance(ties.events, Unset)
    assert [quote.id for quote in ties.quotes] == ties.quote_ids
    assert [event.id for event in ties.events] == ties.event_ids

    # Everything said of Russia on either side, then one relation with its ends inline.
    about_russia = expect_list(
        list_relations.sync(
            ARTICLE_ID,
            client=client,
            entity="russia",
            predicate=RelationPredicate.PARTY_TO,
        ),
        Relation,
    )
    assert [relation.id for relation in about_russia] == ["russia-party-to-pact"]
    assert about_russia[0].claim_ids == ["sources-troops-sent-and-killed"]
    leader = expect(
        get_relation.sync(
            ARTICLE_ID,
            "kim-jong-un-leader-of-north-korea",
            client=client,
            embed=[RelationEmbed.SUBJECT, RelationEmbed.OBJECT],
        ),
        Relation,
    )
    assert not isinstance(leader.subject, Unset) and not isinstance(leader.object_, Unset)
    assert (leader.subject.name, leader.object_.name) == ("Kim Jong-un", "North Korea")

    hits = expect_list(
        search_facts.sync(
            ARTICLE_ID, client=client, q="Kursk", kind=[FactKind.EVENT, FactKind.ENTITY]
        ),
        SearchHit,
    )
    assert hits and {hit.kind for hit in hits} <= {FactKind.EVENT, FactKind.ENTITY}
    for hit in hits:
        if hit.field is MatchField.TEXT:
            assert hit.match is not None and text[hit.match.start : hit.match.end] == hit.match.text


def check_across(client: Client) -> None:
    """The lists across articles, filtered by Wikidata QID; a walk by cursor; the feed."""
    quotes = expect_list(
        list_quotes_across_articles.sync(client=client, speaker="Q56226"), QuoteWithArticle
    )
    assert [quote.article_id for quote in quotes] == [ARTICLE_ID], quotes
    assert all(quote.speaker_id == "kim-jong-un" for quote in quotes)
    figures = list_figures_across_articles.sync(client=client, q="shells")
    assert expect_list(figures, FigureWithArticle)
    events = expect_list(
        list_events_across_articles.sync(client=client, entity="Q423", from_="2024"),
        EventWithArticle,
    )
    assert events and all(event.date >= "2024" for event in events)
    claims = list_claims_across_articles.sync(
        client=client, claimant="Q423", polarity=ClaimPolarity.ASSERTED
    )
    assert expect_list(claims, ClaimWithArticle)
    relations = list_relations_across_articles.sync(client=client, subject="Q56226")
    assert [relation.object_id for relation in expect_list(relations, RelationWithArticle)] == [
        "north-korea"
    ]
    everything = expect_list(
        list_entities_across_articles.sync(client=client, page_size=1000), EntityWithArticle
    )
    # Every page, following the cursor `Link: rel="next"` carries.
    walked: list[tuple[str, str]] = []
    cursor: str | Unset = UNSET
    while True:
        response = list_entities_across_articles.sync_detailed(
            client=client, page_size=7, cursor=cursor, fields=[EntityField.NAME, EntityField.TYPE]
        )
        page = expect_list(response.parsed, SparseEntityWithArticle)
        assert int(response.headers["X-Total-Count"]) == len(everything)
        walked += [(entity.article_id, entity.id) for entity in page]
        link = response.headers.get("Link")
        if not link:
            break
        target = link.split(";", 1)[0].strip().strip("<>")
        cursor = parse_qs(urlsplit(target).query)["cursor"][0]
    assert walked == [(entity.article_id, entity.id) for entity in everything], walked
    # One entity across articles, by its QID, with links to its facts across articles.
    korea = expect(get_wikidata_entity.sync("Q423", client=client), WikidataEntity)
    assert korea.article_count == 1 and korea.mention_count == korea.articles[0].mention_count
    assert [(named.article_id, named.entity_id) for named in korea.articles] == [
        (ARTICLE_ID, "north-korea")
    ]
    assert korea.links.quotes == "/v1/quotes?speaker=Q423", korea.links
    unnamed = expect(get_wikidata_entity.sync("Q1", client=client), Problem)
    assert unnamed.status == 404 and "Q1" in unnamed.detail
    # The article list's filters: a QID it names, its outlet, and its publication time.
    filtered = list_articles.sync(
        client=client,
        entity="Q423",
        outlet="the telegraph",
        published_from="2025-11",
        published_to="2025-11-16",
        sort=[ArticleSortKey.PUBLISHED],
    )
    assert [summary.id for summary in expect_list(filtered, ArticleSummary)] == [ARTICLE_ID]
    later = list_articles.sync(client=client, published_from="2025-11-16T09:40")
    assert expect_list(later, ArticleSummary) == []
    # And by words, as search across articles finds them.
    worded = list_articles.sync(client=client, q="Kim Jong-un")
    assert [summary.id for summary in expect_list(worded, ArticleSummary)] == [ARTICLE_ID]
    assert expect_list(list_articles.sync(client=client, q="zqxjv"), ArticleSummary) == []
    changes = expect_list(list_changes.sync(client=client, since=0), Change)
    assert (changes[0].article_id, changes[0].version) == (ARTICLE_ID, 1), changes
    assert expect_list(list_changes.sync(client=client, since=changes[-1].generation), Change) == []


def check_ndjson(client: Client) -> None:
    """A whole list as NDJSON, read line by line through the client's own HTTP client (the
    generated operations parse JSON), each line a generated model: the list, all of it."""
    listed = list_claims_across_articles.sync_detailed(
        client=client, claimant="Q423", page_size=1000
    )
    claims = expect_list(listed.parsed, ClaimWithArticle)
    with client.get_httpx_client().stream(
        "GET",
        "/v1/claims",
        params={"claimant": "Q423", "page_size": 1},
        headers={"Accept": "application/x-ndjson"},
    ) as response:
        assert response.headers["Content-Type"] == "application/x-ndjson", response.headers
        streamed = [
            ClaimWithArticle.from_dict(json.loads(line)) for line in response.iter_lines() if line
        ]
    assert len(streamed) == int(listed.headers["X-Total-Count"]) == len(claims) > 1
    assert [claim.to_dict() for claim in streamed] == [claim.to_dict() for claim in claims]


def check_exports(client: Client) -> None:
    """The exports of the corpus, and one downloaded: its SHA-256 and size as listed."""
    exports = expect_list(list_exports.sync(client=client), Export)
    assert exports, "no export listed"
    newest = exports[0]
    assert newest.url == f"/v1/exports/{newest.name}", newest
    file = expect(get_export.sync(newest.name, client=client), File)
    payload = file.payload.read()
    assert hashlib.sha256(payload).hexdigest() == newest.sha256
    assert len(payload) == newest.size
    again = get_export.sync_detailed(newest.name, client=client, if_none_match=f'"{newest.sha256}"')
    assert again.status_code == 304, again


def check_search_across(client: Client) -> None:
    """Search across articles: filters, spans in the text, facets and a walk by cursor."""
    text = expect(get_article_text.sync(ARTICLE_ID, client=client), str)
    found = expect(
        search_across_articles.sync(
            client=client,
            q="Kim Jong-un",
            kind=[SearchUnitKind.ENTITY, SearchUnitKind.TEXT],
            entity="Q56226",
            published_from="2025",
            page_size=1000,
        ),
        SearchResults,
    )
    assert found.results and {result.kind for result in found.results} <= {
        SearchUnitKind.ENTITY,
        SearchUnitKind.TEXT,
    }, found
    for result in found.results:
        assert result.article_id == ARTICLE_ID and "<mark>" in result.snippet, result
        for span in result.spans:
            assert text[span.start : span.end] == span.text and span.text in ("Kim", "Jong", "un")
    kinds = found.facets.kind.to_dict()
    assert sum(kinds.values()) == len(found.results), kinds
    assert found.facets.entity.to_dict()["Q56226"] == len(found.results)
    everything = expect(
        search_across_articles.sync(client=client, q="Kursk", page_size=1000), SearchResults
    )
    walked: list[tuple[str, str]] = []
    cursor: str | Unset = UNSET
    while True:
        response = search_across_articles.sync_detailed(
            client=client, q="Kursk", page_size=7, cursor=cursor
        )
        page = expect(response.parsed, SearchResults)
        assert int(response.headers["X-Total-Count"]) == len(everything.results)
        walked += [(result.kind.value, result.id) for result in page.results]
        link = response.headers.get("Link")
        if not link:
            break
        target = link.split(";", 1)[0].strip().strip("<>")
        cursor = parse_qs(urlsplit(target).query)["cursor"][0]
    assert walked == [(result.kind.value, result.id) for result in everything.results], walked


def check_conditional_request(client: Client) -> None:
    """An ETag sent back in If-None-Match gets a 304 with no body."""
    first = get_entity.sync_detailed(ARTICLE_ID, "veles", client=client)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    again = get_entity.sync_detailed(ARTICLE_ID, "veles", client=client, if_none_match=etag)
    assert again.status_code == 304 and again.content == b"", again


def check_errors(client: Client) -> None:
    """A 404 and a 422 come back as problem details naming what was wrong."""
    missing = expect(get_entity.sync(ARTICLE_ID, "no-such-entity", client=client), Problem)
    assert missing.status == 404 and "no-such-entity" in missing.detail
    invalid = expect(list_entities.sync(ARTICLE_ID, client=client, page_size=0), Problem)
    assert invalid.status == 422 and "page_size" in invalid.detail
    errors: Any = expect(invalid.errors, ProblemErrors).to_dict()
    assert "page_size" in errors["query"], errors


def main() -> None:
    """Check every operation against the server at the URL given as the only argument."""
    client = Client(base_url=sys.argv[1], raise_on_unexpected_status=True)
    check(client)
    check_across(client)
    check_ndjson(client)
    check_exports(client)
    check_search_across(client)
    check_conditional_request(client)
    check_errors(client)
    print("python client: every operation answered as documented")


if __name__ == "__main__":
    main()

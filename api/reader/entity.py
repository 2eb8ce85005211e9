"""The reader's page of one entity across articles (`/wikidata/<qid>`): the articles that name
it, what it said, what it claims and what is claimed about it, and its timeline, each linking
to the article's page at the fact.

Built from the entity's rows in the facts index (`GET /v1/wikidata/{qid}` reads the same) and
the articles that name it. Which field of a fact names the entity comes from the kind table:
the fields the list's entity filter tests (a quote's `speaker`, a claim's `claimant`, an
event's `entity`, a relation's `entity`).
"""

from flask import render_template, url_for

from api.reader.page import NEWEST_SHOWN, date_label, event_date_labels
from api.store.repository import ArticleWithdrawn
from api.web.lookups import store
from api.web.wikidata import find_entity
from schemas.dates import date_bounds
from schemas.entities import ENTITY_TYPES
from schemas.kinds import BY_NAME


def _names(kind_name: str, parameter: str, fact: dict, entity_ids: set[str]) -> bool:
    """Whether the fact names one of the entities in the fields the kind's filter `parameter`
    tests."""
    spec = next(spec for spec in BY_NAME[kind_name].filters if spec.parameter == parameter)
    for field in spec.fields:
        value = fact.get(field)
        named = set(value) if isinstance(value, list) else {value}
        if named & entity_ids:
            return True
    return False


def render_entity_page(qid: str) -> str:
    """The page of the entity with this QID, as an HTML string (a 404 or 422 problem if none)."""
    across = find_entity(qid)
    served = store()
    rows = []
    said, claimed_by, claimed_about, timeline = [], [], [], []
    # Each article once, however many of its entities carry the QID (the first names it on
    # its card; the facts naming any of them are its).
    by_article: dict[str, list[dict]] = {}
    for named in across["articles"]:
        by_article.setdefault(named["article_id"], []).append(named)
    # The newest NEWEST_SHOWN articles that name it: the page links to the lists of them all.
    newest = sorted(by_article.values(), key=lambda named: named[0]["published"], reverse=True)
    for entities in newest[:NEWEST_SHOWN]:
        named = entities[0]
        try:
            article = served.article(named["article_id"], named["article_version"])
        except ArticleWithdrawn:
            continue  # withdrawn since the index was read
        if article is None:
            continue
        entity_ids = {entity["entity_id"] for entity in entities}
        page = url_for("articles.ArticlesById", article_id=article.id)
        place = {"article": article.metadata, "page": page, "entity": named}
        rows.append(place)
        for quote in article.facts["quotes"]:
            if _names("quotes", "speaker", quote, entity_ids):
                said.append({**place, "quote": quote, "at": f"{page}#quote-{quote['id']}-1"})
        events_naming = {
            event["id"]
            for event in article.facts["events"]
            if _names("events", "entity", event, entity_ids)
        }
        resting = {
            claim_id
            for relation in article.facts["relations"]
            if _names("relations", "entity", relation, entity_ids)
            for claim_id in relation["claim_ids"]
        }
        for claim in article.facts["claims"]:
            row = {
                **place,
                "claim": claim,
                "claimants": [
                    article.find("entities", claimant)["name"] for claimant in claim["claimant_ids"]
                ],
                "at": f"{page}#cue-{claim['id']}-1",
            }
            if _names("claims", "claimant", claim, entity_ids):
                claimed_by.append(row)
            elif claim["id"] in resting or events_naming & set(claim["event_ids"]):
                claimed_about.append(row)
        for event in article.facts["events"]:
            if event["id"] in events_naming:
                timeline.append(
                    {
                        **place,
                        "event": event,
                        "label": event_date_labels(event)[1],
                        "at": f"{page}#timeline-{event['id']}",
                    }
                )
    # Across articles, by date (a year or month by its first day), then publication.
    timeline.sort(
        key=lambda row: (
            date_bounds(row["event"]["date"])[0],
            row["article"]["published"],
            row["article"]["id"],
        )
    )
    first = across["articles"][0]
    names = sorted({named["name"] for named in across["articles"]})
    return render_template(
        "reader/entity.html",
        across=across,
        name=first["name"],
        other_names=[name for name in names if name != first["name"]],
        type_label=ENTITY_TYPES[first["type"]].label,
        places=rows,
        unshown=max(0, len(newest) - NEWEST_SHOWN),
        said=said,
        claimed_by=claimed_by,
        claimed_about=claimed_about,
        timeline=timeline,
        date_label=date_label,
        api_url=url_for("wikidata.WikidataEntity", qid=qid),
    )

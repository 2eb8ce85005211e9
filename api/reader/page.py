"""The reader page's markup: the article text with every fact marked where it is stated.

`render_article_page(article)` builds the whole page: highlights nested as elements around
exactly their spans, notes on hover and focus, the timeline on a time axis, who is quoted and
the figures table. Every highlight is a link to its object's JSON, so the page is complete
without JavaScript.
"""

import datetime as dt
from dataclasses import dataclass, field
from functools import partial

from flask import get_template_attribute, render_template, url_for
from markupsafe import Markup, escape

from api.links import fact_url
from api.web.lookups import depend_on_every_article, store
from schemas.dates import date_bounds
from schemas.entities import ENTITY_TYPES, WIKIDATA_ENTITY_URL
from schemas.events import PRECISION_MEANINGS
from schemas.figures import QUALIFIERS
from schemas.kinds import KINDS

# Kinds whose words link to the object: an event's words are whole clauses, and so are a
# claim's; linking them would turn most of the text into one link. The timeline links to the
# events, and a claim's cue (its attributing words) links to the claim.
LINKED_KINDS = ("entity", "quote", "figure", "cue")
# Which element is outside when two spans cover the same characters (the publication time is
# both a printed metadata field and an event; a quote can be exactly a figure; the standfirst
# restates a claim). A claim's statement holds the events, quotes and names in it.
NESTING_RANK = {
    "printed": 0,
    "claim": 1,
    "event": 2,
    "quote": 3,
    "figure": 4,
    "entity": 5,
    "cue": 6,
    "insertion": 7,
}

# Metadata fields the text itself prints, with what the page calls them.
PRINTED_FIELDS = {
    "title_mention": "Headline as printed",
    "standfirst_mention": "Standfirst as printed",
    "published_mention": "Publication time as printed",
    "view_count_mention": "View count as printed",
}
QUALIFIER_WORDS = {
    "exact": "",
    "approximately": "about",
    "more_than": "more than",
    "at_least": "at least",
    "less_than": "fewer than",
    "up_to": "up to",
    "estimated": "an estimated",
    "multiple_of": "multiples of",
}
# How a claim is reported, as the note on its cue says it.
CLAIM_MODE_WORDS = {
    "direct": "a direct quotation",
    "partial": "reported speech with quoted words",
    "indirect": "reported speech",
}
# What the text says the claimants do, as the note on a claim's cue heads it and details it.
POLARITY_HEADINGS = {
    "asserted": "Claimed by ",
    "denied": "Denied by ",
    "withheld": "Not stated by ",
}
POLARITY_DETAILS = {
    "asserted": None,
    "denied": "they say it is not so",
    "withheld": "the text says they have not stated it",
}
# How a quote reached the article, as the note on a quote says it.
CHANNEL_PHRASES = {
    "interview": "in an interview",
    "statement": "in a statement",
    "report": "in a report",
}
MONTHS = (
    "January February March April May June July August September October November December"
).split()

# How many articles a page across articles (the index, an entity's page) reads and shows,
# newest first: each costs a read of its article; the API's lists page through them all.
NEWEST_SHOWN = 100


@dataclass(frozen=True, eq=False)
class Highlight:
    """One span of the text to mark: a mention of a fact, or a metadata field printed there."""

    kind: str
    fact_id: str
    number: int
    start: int
    end: int
    # Link target of the highlight's words, for the kinds whose words link, and its name.
    href: str | None = None
    label: str = ""
    # Extra attributes of the highlight element (data-type, data-speaker, title, ...).
    attributes: dict = field(default_factory=dict)
    # Markup closing the highlight: its tooltip, or an event's link to the timeline.
    inner_note: Markup = Markup()
    outer_note: Markup = Markup()

    @property
    def anchor(self):
        """The element id the page's in-text links point to."""
        return f"{self.kind}-{self.fact_id}-{self.number}"

    def nesting_key(self):
        """Outer spans sort first: earlier start, then later end, then by kind."""
        return (self.start, -self.end, NESTING_RANK[self.kind])


@dataclass(frozen=True)
class Paragraph:
    """One line of the article text, marked up."""

    html: Markup
    printed: tuple  # names of the metadata fields printed in it


def _attributes(attributes):
    """Escape a mapping into HTML attributes; `True` writes a bare attribute."""
    parts = []
    for name, value in attributes.items():
        if value is True:
            parts.append(Markup(" {}").format(name))
        elif value is not None and value is not False:
            parts.append(Markup(' {}="{}"').format(name, value))
    return Markup("").join(parts)


def _open_tag(highlight, continued):
    """The start tag of a highlight; a continuation after a split has no id and no note."""
    linked = highlight.kind in LINKED_KINDS
    classes = ["hl", f"hl--{highlight.kind}"]
    if "data-type" in highlight.attributes:
        classes.append(f"hl--{highlight.attributes['data-type']}")
    if continued:
        classes.append("hl--continued")
    attributes = {
        "class": " ".join(classes),
        "id": None if continued else highlight.anchor,
        "data-kind": highlight.kind if highlight.kind != "printed" else None,
        "data-id": highlight.fact_id,
        "data-start": highlight.start,
        "data-end": highlight.end,
        "data-continued": continued,
        **highlight.attributes,
    }
    return Markup("<{}{}>").format("mark" if linked else "span", _attributes(attributes))


def _close_tag(highlight, continued):
    linked = highlight.kind in LINKED_KINDS
    inner = Markup() if continued else highlight.inner_note
    outer = Markup() if continued else highlight.outer_note
    return inner + Markup("</{}>").format("mark" if linked else "span") + outer


def _text_run(text, covering):
    """Characters of the text, inside a link to the innermost linked highlight covering them.

    Links never nest (HTML forbids it), so a highlight holding another one links with each
    run of its own words: in "DPRK troops", "DPRK" links to the country, " troops" to the
    troops.
    """
    owner = next((h for h in reversed(covering) if h.kind in LINKED_KINDS), None)
    if owner is None:
        return escape(text)
    return Markup(
        '<a class="hl-link" href="{}" data-inspect data-label="{}" aria-describedby="{}">{}</a>'
    ).format(owner.href, owner.label, f"tip-{owner.anchor}", text)


def mark_up_text(text, highlights):
    """The text as paragraphs of HTML, each highlight an element around exactly its span.

    Spans nest as elements. Two spans that overlap without one containing the other (which
    the annotation should not have, but a new article might) cannot both be one element: the
    later one is closed where the earlier one ends and reopened after it, the second piece
    marked `data-continued`. A span crossing a line break is split the same way.
    """
    paragraphs = []
    line_start = 0
    for line in text.split("\n"):
        line_end = line_start + len(line)
        if line.strip():
            inside = [h for h in highlights if h.start < line_end and h.end > line_start]
            paragraphs.append(_mark_up_line(text, line_start, line_end, inside))
        line_start = line_end + 1
    return paragraphs


def _mark_up_line(text, line_start, line_end, highlights):
    cuts = {line_start, line_end}
    for highlight in highlights:
        cuts.update(p for p in (highlight.start, highlight.end) if line_start < p < line_end)
    cuts = sorted(cuts)
    html = []
    stack = []  # (highlight, is a continuation) for each element open here, outermost first
    opened = set()
    for run_start, run_end in zip(cuts, cuts[1:], strict=False):
        covering = sorted(
            (h for h in highlights if h.start <= run_start and run_end <= h.end),
            key=Highlight.nesting_key,
        )
        kept = 0
        while kept < min(len(stack), len(covering)) and stack[kept][0] is covering[kept]:
            kept += 1
        for highlight, continued in reversed(stack[kept:]):
            html.append(_close_tag(highlight, continued))
        stack = stack[:kept]
        for highlight in covering[kept:]:
            continued = highlight in opened or highlight.start < line_start
            html.append(_open_tag(highlight, continued))
            opened.add(highlight)
            stack.append((highlight, continued))
        html.append(_text_run(text[run_start:run_end], covering))
    for highlight, continued in reversed(stack):
        html.append(_close_tag(highlight, continued))
    printed = tuple(h.fact_id for h in highlights if h.kind == "printed")
    return Paragraph(html=Markup("").join(html), printed=printed)


def api_url(article, kind, fact_id):
    """The API URL of one fact of the article."""
    return fact_url(article.id, kind, fact_id)


def _entity_name(article, entity_id):
    return article.find("entities", entity_id)["name"]


def format_number(value):
    """A figure's value with thousands separators, whole numbers without a decimal point."""
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,}"


def figure_value_text(figure):
    """A figure in words: 'about 14,000 soldiers', 'an estimated 6,500,000 artillery shells'."""
    words = QUALIFIER_WORDS.get(figure["qualifier"], figure["qualifier"].replace("_", " "))
    return " ".join(
        part for part in (words, format_number(figure["value"]), figure["unit"]) if part
    )


def date_label(date, short=False):
    """A partial ISO date as a person reads it, no more precise than it is."""
    parts = [int(part) for part in date.split("-")]
    if len(parts) == 1:
        return str(parts[0])
    month = MONTHS[parts[1] - 1][:3] if short else MONTHS[parts[1] - 1]
    if len(parts) == 2:
        return f"{month} {parts[0]}"
    return f"{parts[2]} {month} {parts[0]}"


def event_date_labels(event):
    """An event's date, short and long: '16 Nov 2025', or 'as of 16 Nov 2025' for a state
    that holds at publication (its date is when it is known to hold, not when it began)."""
    short, long = date_label(event["date"], short=True), date_label(event["date"])
    if event.get("as_of"):
        return f"as of {short}", f"ongoing as of {long}"
    return short, long


def period_label(period):
    """A figure's period: '2024', 'from 2023 to publication'."""
    if period is None:
        return ""
    if period["end"] is None:
        return f"from {date_label(period['start'])} to publication"
    if period["end"] == period["start"]:
        return date_label(period["start"])
    return f"{date_label(period['start'])} to {date_label(period['end'])}"


def _mention_highlights(kind, fact, tip=None, **options):
    """One highlight per mention of a fact; `tip(tip_id)`, where given, makes its note."""
    for number, mention in enumerate(fact["mentions"], 1):
        tip_id = f"tip-{kind}-{fact['id']}-{number}"
        yield Highlight(
            kind,
            fact["id"],
            number,
            mention["start"],
            mention["end"],
            inner_note=tip(tip_id) if tip else Markup(),
            **options,
        )


def _highlights(article):
    """Every span the page marks in the text, in no particular order."""
    note = get_template_attribute("reader/_notes.html", "tip")
    event_link = get_template_attribute("reader/_notes.html", "event_link")
    highlights = []
    for entity in article.facts["entities"]:
        type_name = ENTITY_TYPES[entity["type"]].label
        highlights += _mention_highlights(
            "entity",
            entity,
            partial(
                note,
                kind="entity",
                heading=entity["name"],
                details=[type_name],
                description=entity["description"],
            ),
            href=api_url(article, "entity", entity["id"]),
            label=f"{entity['name']} ({type_name})",
            attributes={"data-type": entity["type"]},
        )
    for quote in article.facts["quotes"]:
        speaker = _entity_name(article, quote["speaker_id"])
        details = [f"{quote['kind']} quote"]
        if quote["channel"]:
            details.append(CHANNEL_PHRASES.get(quote["channel"], quote["channel"]))
        if quote["outlet_id"]:
            details.append(f"via {_entity_name(article, quote['outlet_id'])}")
        highlights += _mention_highlights(
            "quote",
            quote,
            partial(note, kind="quote", heading=f"Said by {speaker}", details=details),
            href=api_url(article, "quote", quote["id"]),
            label=f"Quote by {speaker}",
            attributes={"data-speaker": speaker},
        )
        for number, insertion in enumerate(quote["insertions"], 1):
            highlights.append(
                Highlight(
                    "insertion",
                    quote["id"],
                    number,
                    insertion["start"],
                    insertion["end"],
                    inner_note=note(
                        f"tip-insertion-{quote['id']}-{number}",
                        kind="insertion",
                        heading="Added by the editor",
                        details=[f"not {speaker}'s words"],
                    ),
                )
            )
    for figure in article.facts["figures"]:
        value = figure_value_text(figure)
        # Who gives the number at each mention: the sources in one place, the narrator in
        # another (the figure's `attributions`, one per mention in the same order).
        for number, (mention, attribution) in enumerate(
            zip(figure["mentions"], figure["attributions"], strict=True), 1
        ):
            sources = [_entity_name(article, source) for source in attribution["source_ids"]]
            details = [
                f"qualifier: {figure['qualifier'].replace('_', ' ')}",
                "source: " + (", ".join(sources) if sources else "the article itself"),
            ]
            if figure["period"]:
                details.append(f"period: {period_label(figure['period'])}")
            highlights.append(
                Highlight(
                    "figure",
                    figure["id"],
                    number,
                    mention["start"],
                    mention["end"],
                    href=api_url(article, "figure", figure["id"]),
                    label=f"Figure: {value}",
                    inner_note=note(
                        f"tip-figure-{figure['id']}-{number}",
                        kind="figure",
                        heading=value,
                        details=details,
                        description=figure["description"],
                    ),
                )
            )
    for event in article.facts["events"]:
        highlights += _mention_highlights(
            "event",
            event,
            attributes={"data-date": event["date"], "data-precision": event["precision"]},
            outer_note=event_link(event["id"], *event_date_labels(event)),
        )
    for claim in article.facts["claims"]:
        claimants = _claimant_names(article, claim)
        highlights += _mention_highlights(
            "claim", claim, attributes={"data-claimant": claimants, "data-mode": claim["mode"]}
        )
        # Each place the claim is stated has its cue marked; the first is the claim's `cue`.
        for number, statement in enumerate(claim["statements"], 1):
            cue = statement["cue"]
            highlights.append(
                Highlight(
                    "cue",
                    claim["id"],
                    number,
                    cue["start"],
                    cue["end"],
                    href=api_url(article, "claim", claim["id"]),
                    label=f"Claim by {claimants}",
                    attributes={"data-claimant": claimants, "data-polarity": claim["polarity"]},
                    inner_note=note(
                        f"tip-cue-{claim['id']}-{number}",
                        kind="claim",
                        heading=POLARITY_HEADINGS.get(claim["polarity"], "Claimed by ") + claimants,
                        details=_claim_details(article, claim),
                        description=claim["summary"],
                    ),
                )
            )
    for span_field, label in PRINTED_FIELDS.items():
        span = article.metadata.get(span_field)
        if span:
            name = span_field.removesuffix("_mention")
            highlights.append(
                Highlight(
                    "printed", name, 1, span["start"], span["end"], attributes={"title": label}
                )
            )
    return highlights


def _claimant_names(article, claim):
    """Who makes a claim, by name: 'South Korean sources, Ukrainian sources, Western sources'."""
    return ", ".join(_entity_name(article, claimant) for claimant in claim["claimant_ids"])


def _claim_details(article, claim):
    """How a claim is reported, in words: its mode, polarity, channel and outlet."""
    details = [CLAIM_MODE_WORDS.get(claim["mode"], claim["mode"])]
    if POLARITY_DETAILS.get(claim["polarity"]):
        details.append(POLARITY_DETAILS[claim["polarity"]])
    if claim["channel"]:
        details.append(CHANNEL_PHRASES.get(claim["channel"], claim["channel"]))
    if claim["outlet_id"]:
        details.append(f"via {_entity_name(article, claim['outlet_id'])}")
    return details


def _claims(article):
    """Each claim with who makes it, how it is reported, and its statements in the text."""
    return [
        {
            "claim": claim,
            "claimants": [
                {
                    "name": _entity_name(article, claimant),
                    "api_url": api_url(article, "entity", claimant),
                }
                for claimant in claim["claimant_ids"]
            ],
            "details": _claim_details(article, claim),
            "api_url": api_url(article, "claim", claim["id"]),
        }
        for claim in article.facts["claims"]
    ]


def _relations(article):
    """Each relation as subject, predicate and object, with the claims it rests on."""
    return [
        {
            "relation": relation,
            "subject": article.find("entities", relation["subject_id"]),
            "object": article.find("entities", relation["object_id"]),
            "predicate": relation["predicate"].replace("_", " "),
            "claims": [article.find("claims", claim_id) for claim_id in relation["claim_ids"]],
            "api_url": api_url(article, "relation", relation["id"]),
            "entity_url": partial(api_url, article, "entity"),
        }
        for relation in article.facts["relations"]
    ]


def _timeline(article):
    """The events on one time axis of whole years, each drawn over the days its date covers."""
    if not article.facts["events"]:
        return None
    spans = [date_bounds(event["date"]) for event in article.facts["events"]]
    published = _published_date(article)
    years = [first.year for first, _ in spans] + [last.year for _, last in spans]
    if published:
        years.append(published.year)
    axis_start = dt.date(min(years), 1, 1)
    axis_end = dt.date(max(years), 12, 31)

    def offset(day):
        return (day - axis_start).days

    rows = []
    for event, (first, last) in zip(article.facts["events"], spans, strict=True):
        rows.append(
            {
                "event": event,
                "label": event_date_labels(event)[1],
                "precision_meaning": PRECISION_MEANINGS[event["precision"]],
                "x": offset(first),
                "width": (last - first).days + 1,
                "api_url": api_url(article, "event", event["id"]),
            }
        )
    return {
        "days": offset(axis_end) + 1,
        "years": [
            {"year": year, "x": offset(dt.date(year, 1, 1))}
            for year in range(axis_start.year, axis_end.year + 1)
        ],
        "published_x": offset(published) + 0.5 if published else None,
        "published_label": date_label(published.isoformat()) if published else None,
        "rows": rows,
    }


def _published_date(article):
    """The publication day, or None where the metadata gives no readable date."""
    published = article.metadata.get("published")
    try:
        return dt.date.fromisoformat(published[:10]) if published else None
    except ValueError:
        return None


def _speakers(article):
    """Who is quoted, in order of their first quote, each with their quotes."""
    speakers = {}
    for quote in article.facts["quotes"]:
        speaker = speakers.setdefault(
            quote["speaker_id"],
            {"entity": article.find("entities", quote["speaker_id"]), "quotes": []},
        )
        speaker["quotes"].append(
            {
                "quote": quote,
                "outlet": _entity_name(article, quote["outlet_id"]) if quote["outlet_id"] else None,
                "api_url": api_url(article, "quote", quote["id"]),
            }
        )
    for speaker in speakers.values():
        speaker["api_url"] = api_url(article, "entity", speaker["entity"]["id"])
    return list(speakers.values())


def _figures(article):
    """Each figure with its value, qualifier, sources and period in words."""
    return [
        {
            "figure": figure,
            "value_text": figure_value_text(figure),
            "qualifier_words": QUALIFIER_WORDS.get(figure["qualifier"], ""),
            "value": format_number(figure["value"]),
            "qualifier": figure["qualifier"].replace("_", " "),
            "qualifier_meaning": QUALIFIERS.get(figure["qualifier"], ""),
            "sources": [
                {"name": _entity_name(article, source), "id": source}
                for source in figure["source_ids"]
            ],
            "period": period_label(figure["period"]),
            "api_url": api_url(article, "figure", figure["id"]),
        }
        for figure in article.facts["figures"]
    ]


def _entity_groups(article, across):
    """The named entities grouped by type, in the schema's order of types; with `across`,
    each with a QID links to its page across articles."""
    groups = []
    for entity_type, names in ENTITY_TYPES.items():
        members = [
            {
                "entity": entity,
                "api_url": api_url(article, "entity", entity["id"]),
                "wikidata_url": WIKIDATA_ENTITY_URL + entity["wikidata"]
                if entity.get("wikidata")
                else None,
                "across_url": url_for("reader.wikidata_entity", qid=entity["wikidata"])
                if across and entity.get("wikidata")
                else None,
            }
            for entity in article.facts["entities"]
            if entity["type"] == entity_type
        ]
        groups.append(
            {
                "type": entity_type,
                "label": names.heading,
                "entities": members,
            }
        )
    return groups


def _resource_links(article):
    """The API URLs of the article and of each of its lists."""
    return {
        "article": url_for("articles.ArticlesById", article_id=article.id),
        "text": url_for("articles.ArticleText", article_id=article.id),
        **{
            kind.reader_section: url_for(
                f"{kind.path}.{kind.path.title()}", article_id=article.id, page_size=100
            )
            for kind in KINDS
        },
    }


def render_article_page(article):
    """The reader page of one article, as an HTML string.

    When more than one article is served, each entity with a QID links to its page across
    articles; alone, the article's page is as it was before there were several (an entity's
    page would show nothing the article's does not). So the page depends on every article.
    """
    depend_on_every_article()
    across = len(store().summaries()) > 1
    outlet = article.find("entities", article.metadata.get("original_outlet_id"))
    return render_template(
        "reader/article.html",
        article=article,
        metadata=article.metadata,
        outlet=outlet,
        paragraphs=mark_up_text(article.text, _highlights(article)),
        mention_counts={
            kind.singular: sum(len(fact["mentions"]) for fact in article.facts[kind.name])
            for kind in KINDS
        },
        insertions=sum(len(quote["insertions"]) for quote in article.facts["quotes"]),
        entity_groups=_entity_groups(article, across),
        speakers=_speakers(article),
        figures=_figures(article),
        claims=_claims(article),
        relations=_relations(article),
        timeline=_timeline(article),
        links=_resource_links(article),
    )

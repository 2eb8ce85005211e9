"""Search: across every kind of fact in an article, and across articles (their facts and
text)."""

import re

import marshmallow as ma

from schemas import common
from schemas.across import MAX_CURSOR_PAGE_SIZE, article_fields
from schemas.articles import EXAMPLE_ARTICLE_ID, published_filter
from schemas.kinds import KINDS

HIT_KINDS = {kind.singular: f"{kind.noun} (`/{kind.path}/{{id}}`)" for kind in KINDS}
HIT_FIELDS = {
    "text": "the words occur in the article text, inside one of the fact's mentions",
    "annotation": "the words occur only in the fact's annotation (name, alias, description, "
    "summary)",
}


class SearchQueryArgsSchema(common.ListQueryArgsSchema, common.VersionArgsSchema):
    """What to search for, and in which kinds of fact."""

    q = ma.fields.String(
        required=True,
        validate=[ma.validate.Length(min=1, max=200), ma.validate.Regexp(common.PRINTABLE_PATTERN)],
        metadata={
            "description": "Words to find, case-insensitively, in the text and the annotation.",
            "example": "Kursk",
        },
    )
    kind = common.QueryList(
        common.enum_item("FactKind", list(HIT_KINDS), "A kind of fact."),
        validate=ma.validate.Length(min=1, max=len(HIT_KINDS)),
        metadata={
            "description": "Kinds of fact to search; all by default. "
            + common.list_forms("kind", "entity", "quote"),
            "example": ["entity", "quote"],
        },
    )


class SearchHitSchema(ma.Schema):
    """One fact that matches, with where in the text it matched."""

    kind = common.enum_field(
        "FactKind",
        HIT_KINDS,
        common.enum_description("Kind of fact:", HIT_KINDS),
        example="entity",
        enum_description="A kind of fact.",
    )
    id = ma.fields.String(
        required=True, metadata={"description": "Id of the fact.", "example": "kursk-oblast"}
    )
    label = ma.fields.String(
        required=True,
        metadata={
            "description": "The fact's name, words, description or summary.",
            "example": "Kursk Oblast",
        },
    )
    url = ma.fields.String(
        required=True,
        metadata={
            "description": "API path of the fact.",
            "example": "/v1/articles/north-korean-troops-help-russian-army-clear-mines/entities/"
            "kursk-oblast",
        },
    )
    field = common.enum_field(
        "MatchField",
        HIT_FIELDS,
        common.enum_description("Where it matched:", HIT_FIELDS),
        example="text",
    )
    match = ma.fields.Nested(
        common.MentionSchema,
        required=True,
        allow_none=True,
        metadata={
            "description": "The exact span of the words in the article text; `null` for an "
            "annotation-only match."
        },
    )
    mention = ma.fields.Nested(
        common.MentionSchema,
        required=True,
        allow_none=True,
        metadata={
            "description": "The fact's mention that contains `match`; `null` for an "
            "annotation-only match."
        },
    )


# Search across articles -------------------------------------------------------------------

# A word: a run of letters and digits; everything else (`_` included) separates words. The
# store tokenises the text and the query by it (api.store.search_index).
WORD_PATTERN = r"[^\W_]+"
MAX_QUERY_LENGTH = 500
DEFAULT_SEARCH_PAGE_SIZE = 20
TEXT_UNIT = "text"
UNIT_KINDS = {
    TEXT_UNIT: "a paragraph of the article text (`/text`), named `paragraph-<n>` from 1",
    **{kind.singular: f"{kind.noun} (`/{kind.path}/{{id}}`)" for kind in KINDS},
}
# Where the previous page ended: the last result's score (in millionths), article and place.
SEARCH_CURSOR_PATTERN = r"^(\d{1,15})\.([a-z0-9]+(?:-[a-z0-9]+)*)\.(\d{1,9})$"
EXAMPLE_SEARCH_CURSOR = "1600000.north-korean-troops-help-russian-army-clear-mines.88"
HIGHLIGHT = "<mark>"


def encode_search_cursor(key: tuple[int, str, int]) -> str:
    """The cursor for a position in the order of results: URL-safe as it is."""
    score, article_id, position = key
    return f"{score}.{article_id}.{position}"


class SearchCursor(ma.fields.String):
    """`cursor` of a search: where the previous page ended, as its `Link: rel="next"` gave it."""

    default_error_messages = {
        "invalid_cursor": "Not a cursor this API gave: pass back the one in the previous "
        'page\'s `Link: rel="next"`, or leave it out to start from the first page.',
    }

    def __init__(self, **kwargs):
        super().__init__(
            metadata={"pattern": SEARCH_CURSOR_PATTERN, **kwargs.pop("metadata", {})}, **kwargs
        )

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        found = re.match(SEARCH_CURSOR_PATTERN, text)
        if not found:
            raise self.make_error("invalid_cursor")
        score, article_id, position = found.groups()
        return int(score), article_id, int(position)


class SearchAcrossQueryArgsSchema(common.QueryArgsSchema):
    """What to search for across articles, where, and which page."""

    q = ma.fields.String(
        required=True,
        validate=[
            ma.validate.Length(min=1, max=MAX_QUERY_LENGTH),
            ma.validate.Regexp(common.PRINTABLE_PATTERN),
        ],
        metadata={
            "description": "Words to find, every one of them, in the same paragraph or fact. "
            "Words are runs of letters and digits, matched whole, without case or diacritics "
            "(`seoul` finds `Seoul`); everything else separates words, so quotes, `*`, `OR`, "
            "`NOT`, `-` or `NEAR(` are words or separators, never search syntax, and a `q` "
            "of punctuation alone finds nothing. At most 32 words count.",
            "example": "Kursk",
        },
    )
    kind = common.QueryList(
        common.enum_item("SearchUnitKind", list(UNIT_KINDS), "What a search result is."),
        validate=ma.validate.Length(min=1, max=len(UNIT_KINDS)),
        metadata={
            "description": "Only these kinds of result (`text` for paragraphs); all by "
            "default. " + common.list_forms("kind", "quote", "claim"),
            "example": ["quote", "claim"],
        },
    )
    entity = common.qid_filter_field(
        "Only results that name this entity, by its Wikidata QID: a fact naming it in any "
        "role, or a paragraph where it is mentioned.",
        "Q56226",
    )
    outlet = ma.fields.String(
        validate=[ma.validate.Length(min=1, max=200), ma.validate.Regexp(common.PRINTABLE_PATTERN)],
        metadata={
            "description": "Only articles credited to this original outlet, as the article "
            "list's `outlet` matches it: its name or an alias, in any case, or its Wikidata "
            "QID (the `outlet` facet counts by name).",
            "example": "The Telegraph",
        },
    )
    # The article list's bounds, compared as it compares them.
    published_from = published_filter("from", "2025-11", "results from articles")
    published_to = published_filter("to", "2025-11", "results from articles")
    cursor = SearchCursor(
        validate=ma.validate.Length(min=1, max=140),
        metadata={
            "description": "Opaque position where the previous page ended: follow "
            '`Link: rel="next"`, which carries it with every other parameter. Without it, the '
            "first page.",
            "example": EXAMPLE_SEARCH_CURSOR,
        },
    )
    page_size = ma.fields.Integer(
        load_default=DEFAULT_SEARCH_PAGE_SIZE,
        validate=ma.validate.Range(min=1, max=MAX_CURSOR_PAGE_SIZE),
        metadata={
            "description": f"Results per page, at most {MAX_CURSOR_PAGE_SIZE} "
            f"(default {DEFAULT_SEARCH_PAGE_SIZE})."
        },
    )


class SearchResultSchema(ma.Schema):
    """One paragraph or fact that holds every word, with where they stand in the text."""

    article_id, article_version = article_fields("the result").values()
    kind = common.enum_field(
        "SearchUnitKind",
        UNIT_KINDS,
        common.enum_description("What matched:", UNIT_KINDS),
        example="entity",
        enum_description="What a search result is.",
    )
    id = ma.fields.String(
        required=True,
        metadata={
            "description": "The fact's id (unique within its article), or `paragraph-<n>`.",
            "example": "kursk-oblast",
        },
    )
    score = ma.fields.Float(
        required=True,
        metadata={
            "description": "How well it matches, higher first; comparable within one search "
            "only (each engine scores its own way).",
            "example": 1.384736,
        },
    )
    url = ma.fields.String(
        required=True,
        metadata={
            "description": "API path of the fact, or of the article's text for a paragraph.",
            "example": f"/v1/articles/{EXAMPLE_ARTICLE_ID}/entities/kursk-oblast",
        },
    )
    spans = ma.fields.List(
        ma.fields.Nested(common.MentionSchema),
        required=True,
        metadata={
            "description": "Every word of the query in the article's text: in the paragraph, "
            "or in the fact's mentions (empty when only the fact's annotation, such as an "
            "entity's description, holds them). `text` is the text's characters, exactly.",
        },
    )
    snippet = ma.fields.String(
        required=True,
        metadata={
            "description": "Up to 200 characters of the paragraph, or of the fact's searched "
            "fields joined by ` · `, around the first match: HTML, with each matching word "
            "inside `<mark>` and `</mark>` and everything else escaped (`&amp;`, `&lt;`, "
            "`&gt;`, `&quot;`, `&#x27;`); `…` where it was cut.",
            "example": "<mark>Kursk</mark> Oblast · <mark>Kursk</mark> · Russian region where "
            "Ukraine attacked in August 2024",
        },
    )


def _facet(description, example):
    return ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Integer(),
        required=True,
        metadata={"description": description, "example": example},
    )


class SearchFacetsSchema(ma.Schema):
    """Counts of every result of the search (not only this page), most frequent first, at
    most 20 values each."""

    kind = _facet("Results of each kind (`text` for paragraphs).", {"entity": 12, "text": 5})
    entity = _facet(
        "Results naming each entity, by Wikidata QID (a fact in any role, a paragraph by "
        "its mentions; entities without a QID are not counted).",
        {"Q3178": 15, "Q159": 12},
    )
    outlet = _facet(
        "Results from articles of each original outlet, by its name.", {"The Telegraph": 30}
    )
    month = _facet("Results from articles published in each month.", {"2025-11": 30})


class SearchResultsSchema(ma.Schema):
    """One page of results of a search across articles, and the facets of all of them."""

    results = ma.fields.List(
        ma.fields.Nested(SearchResultSchema),
        required=True,
        metadata={"description": "This page's results, best first."},
    )
    facets = ma.fields.Nested(
        SearchFacetsSchema,
        required=True,
        metadata={"description": "Counts of all the results, by kind, entity, outlet and month."},
    )

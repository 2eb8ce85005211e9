"""Articles: the metadata of each source text, with counts of its facts."""

import re

import marshmallow as ma

from schemas import common
from schemas.dates import PARTIAL_DATE_PATTERN, date_bounds
from schemas.kinds import KINDS

EXAMPLE_ARTICLE_ID = "north-korean-troops-help-russian-army-clear-mines"


def _span(description):
    return ma.fields.Nested(
        common.MentionSchema, required=True, metadata={"description": description}
    )


def _count_map(description, example):
    return ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Integer(),
        required=True,
        metadata={"description": description, "example": example},
    )


# Named classes, so the OpenAPI document names them (ArticleCounts, ArticleFacets).
ArticleCountsSchema = type(
    "ArticleCountsSchema",
    (ma.Schema,),
    {
        "__doc__": "How many objects of each kind the article's annotation holds.",
        **{
            kind.name: ma.fields.Integer(
                required=True,
                metadata={
                    "description": f"Number of {kind.plural_noun}.",
                    "example": kind.count_example,
                },
            )
            for kind in KINDS
        },
    },
)
ArticleFacetsSchema = type(
    "ArticleFacetsSchema",
    (ma.Schema,),
    {
        "__doc__": "Facet counts, most frequent first, so a client need not page through a list "
        "to count.",
        **{
            facet.name: _count_map(facet.description, facet.example)
            for kind in KINDS
            for facet in kind.facets
        },
    },
)


class ArticleSummarySchema(ma.Schema):
    """The fields of an article a list needs to pick one."""

    id = common.slug_field(
        "Readable identifier of the article.", metadata={"example": EXAMPLE_ARTICLE_ID}
    )

    title = ma.fields.String(
        required=True,
        metadata={
            "description": "The original headline as the text gives it, without the outlet "
            "prefix and the trailing VIDEO badge of its headline line.",
            "example": "North Korean troops help Russian army clear mines from battlefield",
        },
    )

    published = ma.fields.String(
        required=True,
        validate=ma.validate.Regexp(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$"),
        metadata={
            "description": "Publication date and time as printed, in ISO 8601 without a time "
            "zone, because the article gives none.",
            "example": "2025-11-16T09:39",
        },
    )

    language = ma.fields.String(
        required=True,
        validate=ma.validate.Regexp(r"^[a-z]{2,3}(-[A-Za-z0-9]+)*$"),
        metadata={"description": "Language of the text (BCP 47 tag).", "example": "en"},
    )
    version = ma.fields.Integer(
        dump_only=True,
        metadata={
            "description": "The version of the annotation served: each correction is a new "
            "version, and `?version=N` serves an earlier one.",
            "example": 1,
        },
    )
    counts = ma.fields.Nested(
        ArticleCountsSchema,
        required=True,
        metadata={"description": "Number of facts of each kind."},
    )


class ArticleSchema(ArticleSummarySchema):
    """What the article says about itself, each field anchored to the text, with counts."""

    title_mention = _span("Where the headline stands in the text.")

    standfirst = ma.fields.String(
        required=True,
        metadata={
            "description": "The summary printed under the headline.",
            "example": "Pyongyang sent around 14,000 soldiers to fight alongside the Russians in "
            "Kursk, with South Korean, Ukrainian and Western sources saying more than 6,000 of "
            "them died",
        },
    )

    standfirst_mention = _span("Where the standfirst stands in the text.")

    original_outlet_id = common.slug_field(
        "Id of the entity for the news outlet the article credits as its original source.",
        metadata={"example": "the-telegraph"},
    )

    published_text = ma.fields.String(
        required=True,
        metadata={
            "description": "The publication date and time as printed.",
            "example": "Nov 16, 2025 09:39",
        },
    )

    published_mention = _span("Where the publication date stands in the text.")

    view_count = ma.fields.Integer(
        required=True,
        validate=ma.validate.Range(min=0),
        metadata={"description": "The view count printed with the article.", "example": 319},
    )

    view_count_mention = _span("Where the view count stands in the text.")

    text_length = ma.fields.Integer(
        required=True,
        validate=ma.validate.Range(min=1),
        metadata={"description": "Length of the text in Unicode code points.", "example": 3659},
    )
    sha256 = ma.fields.String(
        required=True,
        validate=ma.validate.Regexp(r"^[0-9a-f]{64}$"),
        metadata={
            "description": "SHA-256 of the text's UTF-8 bytes, as lower-case hex: check that "
            "your copy of the text is the one the spans refer to.",
            "example": "03feba38c87a82b1589c88492d727c4d1bb8dbd20010e0bdeab80ba522ddc842",
        },
    )
    facets = ma.fields.Nested(
        ArticleFacetsSchema,
        required=True,
        metadata={
            "description": "Counts by type, speaker, qualifier, precision, mode and claimant."
        },
    )


# A bound on the publication time: a partial date, optionally with the hour or the minute, and
# no time zone (the article prints none). Any other form is refused, a zone with its own message.
PUBLISHED_BOUND = re.compile(r"^(\d{4}(?:-\d{2}(?:-\d{2})?)?)(?:T(\d{2})(?::(\d{2}))?)?$")
PUBLISHED_BOUND_PATTERN = (
    "^("
    + PARTIAL_DATE_PATTERN.removeprefix("^").removesuffix("$")
    + r")(T([01]\d|2[0-3])(:[0-5]\d)?)?$"
)
ZONED = re.compile(r"(Z|[+-]\d{2}(:?\d{2})?)$", re.IGNORECASE)


def published_bounds(value: str) -> tuple[str, str]:
    """The first and last minute a publication-time bound covers, as printed
    (`YYYY-MM-DDTHH:MM`): `2025-11` is 2025-11-01T00:00 to 2025-11-30T23:59."""
    found = PUBLISHED_BOUND.match(value)
    if found is None:
        raise ValueError(value)
    date, hour, minute = found.groups()
    first, last = date_bounds(date)
    if hour is None:
        return f"{first.isoformat()}T00:00", f"{last.isoformat()}T23:59"
    if not 0 <= int(hour) <= 23 or not 0 <= int(minute or 0) <= 59:
        raise ValueError(value)
    if minute is None:
        return f"{first.isoformat()}T{hour}:00", f"{first.isoformat()}T{hour}:59"
    return (f"{first.isoformat()}T{hour}:{minute}",) * 2


class PublishedBound(ma.fields.String):
    """A bound on the publication time, compared as printed: no time zone, at the precision
    given, covering its whole span. Deserialises to (first minute, last minute)."""

    default_error_messages = {
        "invalid_bound": "Not a publication time of the form YYYY, YYYY-MM, YYYY-MM-DD, "
        "YYYY-MM-DDTHH or YYYY-MM-DDTHH:MM.",
        "zoned": "Publication times are printed without a time zone, so a bound cannot have "
        "one: give the time as the article prints it, without `Z` or an offset.",
    }

    def __init__(self, **kwargs):
        metadata = {"pattern": PUBLISHED_BOUND_PATTERN, **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if "T" in text and ZONED.search(text.split("T", 1)[1]):
            raise self.make_error("zoned")
        try:
            return published_bounds(text)
        except ValueError as error:  # a malformed bound, or 2025-02-30, month 13, hour 24
            raise self.make_error("invalid_bound") from error


def published_filter(which: str, example: str, what: str = "articles") -> PublishedBound:
    """`published_from` or `published_to`: the article list's and search's, alike (`what`
    says what they keep)."""
    side = "at or after the first" if which == "from" else "at or before the last"
    return PublishedBound(
        metadata={
            "description": f"Only {what} published {side} minute this covers. Publication "
            "times are printed without a time zone and compared as printed; a bound is a date "
            "or a date and time (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`, `YYYY-MM-DDTHH`, "
            "`YYYY-MM-DDTHH:MM`) and covers its whole span: `2025-11-16` is the whole day. A "
            "bound with a time zone is refused.",
            "example": example,
        },
    )


class ArticleQueryArgsSchema(common.ListQueryArgsSchema):
    """Filters and order of the article list."""

    sort = common.sort_field("Article", ["id", "published", "title"], "`id`")
    entity = common.qid_filter_field(
        "Only articles that name this entity, by its Wikidata QID.", "Q423"
    )
    outlet = ma.fields.String(
        validate=[ma.validate.Length(min=1, max=200), ma.validate.Regexp(common.PRINTABLE_PATTERN)],
        metadata={
            "description": "Only articles credited to this original outlet: its name as an "
            "article gives it, or one of its aliases, in any case (`the telegraph`), or its "
            "Wikidata QID.",
            "example": "The Telegraph",
        },
    )
    published_from = published_filter("from", "2025-11")
    published_to = published_filter("to", "2025-11-16")
    q = ma.fields.String(
        validate=[ma.validate.Length(min=1, max=500), ma.validate.Regexp(common.PRINTABLE_PATTERN)],
        metadata={
            "description": "Only articles whose text or facts hold every word of `q` in one "
            "paragraph or one fact: the articles of the results `GET /v1/search` gives for "
            "the same `q` (words matched whole, without case or diacritics; punctuation "
            "alone matches nothing).",
            "example": "mines",
        },
    )
    # Each filter here has a test in api.store.article_filters; `entity` and `q` ask the
    # store's indexes for the articles that pass.


class ArticleArgsSchema(common.VersionArgsSchema):
    """Which version of the article to serve; any other parameter is an error."""


class KindChangesSchema(ma.Schema):
    """The ids of one kind of fact that a version added, removed or changed."""

    added = ma.fields.List(
        ma.fields.String(),
        required=True,
        metadata={"description": "Ids that are new in this version.", "example": []},
    )
    removed = ma.fields.List(
        ma.fields.String(),
        required=True,
        metadata={"description": "Ids the version before had and this one has not.", "example": []},
    )
    changed = ma.fields.List(
        ma.fields.String(),
        required=True,
        metadata={
            "description": "Ids in both whose served object differs.",
            "example": ["north-korea"],
        },
    )


# Named, so the OpenAPI document names it (ArticleChanges): one entry per kind of fact.
ArticleChangesSchema = type(
    "ArticleChangesSchema",
    (ma.Schema,),
    {
        "__doc__": "What a version changed against the one before, by kind of fact.",
        **{
            kind.name: ma.fields.Nested(
                KindChangesSchema,
                required=True,
                metadata={"description": f"What changed among the {kind.plural_noun}."},
            )
            for kind in KINDS
        },
    },
)


class ArticleVersionSchema(ma.Schema):
    """One version of an article's annotation: when it was ingested and what it changed."""

    version = ma.fields.Integer(
        required=True, metadata={"description": "The version's number, from 1.", "example": 2}
    )
    ingested_at = ma.fields.String(
        required=True,
        metadata={
            "description": "When it was ingested: ISO 8601 in UTC. `Last-Modified` of the "
            "version's representations says the same.",
            "example": "2026-12-06T17:40:02.123456Z",
        },
    )
    text_sha256 = ma.fields.String(
        required=True,
        metadata={"description": "SHA-256 of the text's UTF-8 bytes, as lower-case hex."},
    )
    annotation_sha256 = ma.fields.String(
        required=True,
        metadata={"description": "SHA-256 of the annotation file's bytes, as lower-case hex."},
    )
    format = ma.fields.Integer(
        required=True,
        metadata={"description": "The annotation file format it was written in.", "example": 1},
    )
    changes = ma.fields.Nested(
        ArticleChangesSchema,
        required=True,
        metadata={
            "description": "Ids added, removed and changed per kind of fact, against the "
            "version before (the first version, and the first after a withdrawal, adds every "
            "id)."
        },
    )


class VersionsQueryArgsSchema(common.ListQueryArgsSchema):
    """The paging of an article's versions, oldest first."""

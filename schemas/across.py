"""Lists across articles: each kind's facts from every article served, paged by cursor, and
the feed of what each ingested version changed.

Built from the kind table like the per-article lists. A filter that names an entity takes a
Wikidata QID here: an entity id such as `kharkiv` is unique only within its article.
"""

import functools
import re

import marshmallow as ma

from schemas.articles import EXAMPLE_ARTICLE_ID, ArticleChangesSchema
from schemas.common import (
    SLUG_PATTERN,
    QueryArgsSchema,
    enum_field,
    qid_filter_field,
    sparse_schema,
)
from schemas.kinds import BY_NAME, Kind

# What a change in the feed did to its article.
CHANGE_ACTIONS = ("ingested", "withdrawn")
MAX_CURSOR_PAGE_SIZE = 1000
DEFAULT_CURSOR_PAGE_SIZE = 100
# A cursor holds one position in the order: 8 + 13 + an article id + 9 characters, and dots.
MAX_CURSOR_LENGTH = 140
# Generations are 64-bit integers in the store; a larger `since` is refused, not sent to SQL.
MAX_GENERATION = 2**62
# A position in the order across articles: an event's first day (empty for other kinds), the
# article's publication, its id, and the fact's place in the article's own order.
CURSOR_PATTERN = r"^(\d{8})?\.(\d{8}T\d{4})\.([a-z0-9]+(?:-[a-z0-9]+)*)\.(\d{1,9})$"
EXAMPLE_CURSOR = "20241001.20241012T1000.kim-vows-to-stand-with-russia.0"


def encode_cursor(key: tuple[str, str, str, int]) -> str:
    """The cursor for a position in the order across articles: URL-safe as it is."""
    day, published, article_id, position = key
    digits = "".join(character for character in published if character.isdigit())
    return f"{day.replace('-', '')}.{digits[:8]}T{digits[8:]}.{article_id}.{position}"


class Cursor(ma.fields.String):
    """`cursor`: where the previous page ended, as its `Link: rel="next"` gave it.

    Its form is documented by a pattern that every cursor matches and that nothing else
    does, so any value the document allows is a position in the order (clients should still
    treat it as opaque: its form may change).
    """

    default_error_messages = {
        "invalid_cursor": "Not a cursor this API gave: pass back the one in the previous "
        'page\'s `Link: rel="next"`, or leave it out to start from the first page.',
    }

    def __init__(self, **kwargs):
        super().__init__(
            metadata={"pattern": CURSOR_PATTERN, **kwargs.pop("metadata", {})}, **kwargs
        )

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        found = re.match(CURSOR_PATTERN, text)
        if not found:
            raise self.make_error("invalid_cursor")
        day, published, article_id, position = found.groups()
        return (
            f"{day[:4]}-{day[4:6]}-{day[6:]}" if day else "",
            f"{published[:4]}-{published[4:6]}-{published[6:11]}:{published[11:]}",
            article_id,
            int(position),
        )


class CursorArgsSchema(QueryArgsSchema):
    """Paging by cursor, for the lists across articles."""

    cursor = Cursor(
        validate=ma.validate.Length(min=1, max=MAX_CURSOR_LENGTH),
        metadata={
            "description": "Opaque position where the previous page ended: follow "
            '`Link: rel="next"`, which carries it with every other parameter. Without it, the '
            "first page.",
            "example": EXAMPLE_CURSOR,
        },
    )
    page_size = ma.fields.Integer(
        load_default=DEFAULT_CURSOR_PAGE_SIZE,
        validate=ma.validate.Range(min=1, max=MAX_CURSOR_PAGE_SIZE),
        metadata={
            "description": f"Items per page, at most {MAX_CURSOR_PAGE_SIZE} "
            f"(default {DEFAULT_CURSOR_PAGE_SIZE})."
        },
    )


def across_query_args(kind: Kind) -> type[ma.Schema]:
    """The query arguments of a kind's list across articles: the per-article list's filters
    (those naming an entity taking a QID), `fields`, `cursor` and `page_size`."""
    return _across_query_args(kind.name)


@functools.cache
def _across_query_args(name: str) -> type[ma.Schema]:
    kind = BY_NAME[name]
    declared = kind.query_args._declared_fields
    fields: dict[str, ma.fields.Field] = {"fields_": declared["fields_"]}
    filters = {spec.argument: spec for spec in kind.filters}
    # In the order the per-article list declares them.
    for spec in sorted(filters.values(), key=lambda spec: list(declared).index(spec.argument)):
        original = declared[spec.argument]
        if spec.names_entity:
            what = original.metadata["description"].replace("this entity id", "this entity")
            fields[spec.argument] = qid_filter_field(
                f"{what.rstrip('.')}, by its Wikidata QID, in every article.", "Q423"
            )
        else:
            fields[spec.argument] = original
    subject = kind.schema.__name__.removesuffix("Schema")
    return type(
        f"{subject}AcrossArticlesQueryArgsSchema",
        (CursorArgsSchema,),
        {"__doc__": f"Filters and paging for {kind.plural_noun} across articles.", **fields},
    )


def article_fields(subject: str = "the fact") -> dict[str, ma.fields.Field]:
    """`article_id` and `article_version`: which article, at which version, `subject` (an
    item of a list across articles, a search result, an entity's place) is from."""
    return {
        "article_id": ma.fields.String(
            required=True,
            validate=ma.validate.Regexp(SLUG_PATTERN),
            metadata={
                "description": f"The article {subject} is from; its ids are unique within it.",
                "example": EXAMPLE_ARTICLE_ID,
            },
        ),
        "article_version": ma.fields.Integer(
            required=True,
            metadata={
                "description": f"The article's version {subject} is from: its latest.",
                "example": 1,
            },
        ),
    }


def with_article_schema(kind: Kind) -> type[ma.Schema]:
    """A fact as a list across articles shows it: the per-article object with its article."""
    return _with_article_schema(kind.name)


@functools.cache
def _with_article_schema(name: str) -> type[ma.Schema]:
    kind = BY_NAME[name]
    subject = kind.schema.__name__.removesuffix("Schema")
    meta = type(
        "Meta",
        (kind.schema.Meta,),
        {
            "description": f"{kind.noun[0].upper()}{kind.noun[1:]} with the article it is from "
            "(`article_id`, `article_version`).",
        },
    )
    return type(f"{subject}WithArticleSchema", (kind.schema,), {"Meta": meta, **article_fields()})


def served_with_article(kind: Kind) -> dict:
    """What a list across articles holds for one fact: the whole, or the fields asked for
    with `id`, `article_id` and `article_version` always there."""
    schema = with_article_schema(kind)
    always = ("id", "article_id", "article_version")
    optional = tuple(name for name in schema._declared_fields if name not in always)
    return {"anyOf": [schema(), sparse_schema(schema)(partial=optional)]}


class ChangeSchema(ma.Schema):
    """One ingested version in the feed of changes: which article, and what it changed."""

    generation = ma.fields.Integer(
        required=True,
        metadata={
            "description": "Its place in ingest order: pass the last one seen as `since`.",
            "example": 2,
        },
    )
    action = enum_field(
        "ChangeAction",
        CHANGE_ACTIONS,
        "What happened to the article: a version `ingested` (it is now served), or the "
        "article `withdrawn` (it is no longer served; its URLs answer 410).",
        example="ingested",
    )
    article_id = article_fields()["article_id"]
    version = ma.fields.Integer(
        required=True,
        metadata={
            "description": "The version ingested, or the one that stopped being served when "
            "the article was withdrawn.",
            "example": 1,
        },
    )
    ingested_at = ma.fields.String(
        required=True,
        metadata={
            "description": "When that version was ingested: ISO 8601 in UTC.",
            "example": "2026-12-06T17:40:02.123456Z",
        },
    )
    withdrawn_at = ma.fields.String(
        metadata={
            "description": "Withdrawals only: when the article was withdrawn, ISO 8601 in UTC.",
            "example": "2026-12-06T18:02:11.000000Z",
        },
    )
    reason = ma.fields.String(
        metadata={
            "description": "Withdrawals only: why, as its 410 answers say.",
            "example": "Published in error; see the correction.",
        }
    )
    changes = ma.fields.Nested(
        ArticleChangesSchema,
        required=True,
        metadata={
            "description": "Ids added, removed and changed per kind of fact, against what was "
            "served before: the article's version before (every id added for a first version, "
            "or for the first version after a withdrawal); a withdrawal removes every id."
        },
    )


class ChangesQueryArgsSchema(QueryArgsSchema):
    """Where to start the feed of changes, and how much of it to return."""

    since = ma.fields.Integer(
        load_default=0,
        validate=ma.validate.Range(min=0, max=MAX_GENERATION),
        metadata={
            "description": "The `generation` of the last change seen (the `since` of "
            '`Link: rel="next"`); only versions ingested after it. Without it, from the '
            "first.",
            "example": 2,
        },
    )
    page_size = CursorArgsSchema._declared_fields["page_size"]

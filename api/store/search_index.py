"""The search index: the words of every paragraph and every fact of every stored version, in
the engine's own full-text index, for search across articles.

Written in the transaction that writes a version (so it never disagrees with `versions`),
refilled by a rebuild, and read with each article's latest version joined in, so a search
finds only the latest version of each article served (not withdrawn).

Both engines must find the same units for the same words, though they tokenise differently.
So the words are tokenised here, once, in Python: runs of letters and digits, decomposed
(NFKD), stripped of diacritics and casefolded. The engine indexes the tokens as a plain
space-separated string, which SQLite's FTS5 (the `ascii` tokenizer, which splits at spaces
and keeps every non-ASCII character) splits back into exactly those tokens, and PostgreSQL's
`simple` configuration into the same ones but where its parser takes a character for a
separator (a query's words are split alike, so they still match), without stemming or stop
words. A query
is tokenised the same way and reaches SQL as bound parameters: each token a quoted FTS5
string, or `plainto_tsquery`'s plain text; nothing a client types is query syntax.

Only the DDL, the match and the score differ between the engines: `_SQLite` and
`_PostgreSQL` below are the one place they do.

A unit's score depends on it and the query alone, never on the rest of the corpus, so the
order of results is a key a cursor can continue from while articles are ingested (see
`search`). PostgreSQL's `ts_rank_cd` is such a score. SQLite's `bm25()` is not (it weighs
each word by its rarity in the whole index, which every ingest changes), so on SQLite the
score is BM25's term-frequency part with a fixed average length and no rarity weight,
computed in SQL from the indexed words.
"""

import functools
import html
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
import sqlalchemy as sa

from api.store.article import Fact, field_text
from api.store.database import articles, search_qids, search_units, versions
from api.store.fact_index import entity_roles, named_ids, published_of
from schemas.kinds import KINDS
from schemas.search import TEXT_UNIT, WORD_PATTERN

# A word: a run of letters and digits (`_` and everything else separate words, as in
# PostgreSQL's parser).
WORD = re.compile(WORD_PATTERN)
# How many of a query's words count; the rest are ignored (a query is at most 500 characters).
MAX_QUERY_WORDS = 32
FACET_SIZE = 20
SNIPPET_LENGTH = 200
# How a highlighted word is marked in a snippet (the rest of the snippet is HTML-escaped).
MARK = ("<mark>", "</mark>")
FACETS = ("kind", "entity", "outlet", "month")
# Scores are compared as integers (millionths), so that a cursor holds one exactly.
SCORE_SCALE = 1_000_000
# BM25's term-frequency saturation and length normalisation (SQLite's score).
K1, B, AVERAGE_WORDS = 1.2, 0.75, 40.0

# The order of results, which a cursor continues from: score (millionths, higher first), then
# the article's id and the unit's place in it.
SearchKey = tuple[int, str, int]


def tokens(word: str) -> list[str]:
    """The tokens of one word: decomposed, without diacritics, casefolded."""
    decomposed = unicodedata.normalize("NFKD", word)
    bare = "".join(character for character in decomposed if not unicodedata.combining(character))
    return WORD.findall(bare.casefold())


def query_tokens(q: str) -> list[str]:
    """The distinct tokens of a query, in order, at most MAX_QUERY_WORDS."""
    found: list[str] = []
    for match in WORD.finditer(q):
        for token in tokens(match.group()):
            if token not in found:
                found.append(token)
    return found[:MAX_QUERY_WORDS]


def _indexed_words(text: str) -> tuple[str, int]:
    """The tokens of a text as the engines index them, and how many: each token with a space
    of its own on either side, so that SQLite's score counts occurrences with `replace`."""
    found = [token for match in WORD.finditer(text) for token in tokens(match.group())]
    return " " + "  ".join(found) + " ", len(found)


@functools.lru_cache(maxsize=256)
def _finder(wanted: frozenset[str]) -> re.Pattern[str]:
    """The ASCII words `wanted`, whole, in any case: a word is not next to a letter or digit."""
    alternatives = "|".join(map(re.escape, sorted(wanted, key=len, reverse=True)))
    return re.compile(rf"(?<![^\W_])(?:{alternatives})(?![^\W_])", re.IGNORECASE)


def matched_words(text: str, wanted: set[str]) -> list[tuple[int, int]]:
    """Where the words of `text` with a token in `wanted` stand in it: (start, end) each."""
    if text.isascii() and all(token.isascii() for token in wanted):
        # The common case, without tokenising every word: in ASCII a token is a word.
        return [match.span() for match in _finder(frozenset(wanted)).finditer(text)]
    found = []
    for match in WORD.finditer(text):
        word = match.group()
        # An ASCII word is its own single token, lower-cased: the common case, made cheap.
        if word.lower() in wanted if word.isascii() else wanted.intersection(tokens(word)):
            found.append(match.span())
    return found


# Writing --------------------------------------------------------------------------------------


def _outlet(metadata: Mapping[str, Any], served: Mapping[str, Sequence[Fact]]) -> str:
    """The name of the outlet the article credits as its original source, or ""."""
    outlet_id = metadata.get("original_outlet_id")
    for entity in served.get("entities", ()):
        if entity["id"] == outlet_id:
            return str(entity["name"])[:200]
    return ""


def _rows(
    article_id: str,
    version: int,
    text: str,
    served: Mapping[str, Sequence[Fact]],
    metadata: Mapping[str, Any],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    shared = {
        "article_id": article_id,
        "version": version,
        "published": published_of(metadata),
        "outlet": _outlet(metadata, served),
    }
    entities = served.get("entities", ())
    qid_of = {entity["id"]: entity["wikidata"] for entity in entities if entity.get("wikidata")}
    units: list[dict[str, Any]] = []
    qids: list[dict[str, Any]] = []

    def add(
        kind: str, unit_id: str, searched: str, start: Any, mentions: Any, named: set[str]
    ) -> None:
        words, count = _indexed_words(searched)
        if not count:
            return
        position = len(units)
        units.append(
            {
                **shared,
                "position": position,
                "kind": kind,
                "unit_id": unit_id,
                "words": words,
                "word_count": count,
                "searched": searched,
                "start": start,
                "mentions": mentions,
            }
        )
        where = {"article_id": article_id, "version": version, "position": position}
        qids.extend({**where, "qid": qid} for qid in sorted(named))

    paragraphs = [match for match in re.finditer(r"[^\n]+", text) if WORD.search(match.group())]
    for number, paragraph in enumerate(paragraphs, start=1):
        start, end = paragraph.span()
        named = {
            qid_of[entity["id"]]
            for entity in entities
            if entity["id"] in qid_of
            for mention in entity["mentions"]
            if start <= mention["start"] and mention["end"] <= end
        }
        add(TEXT_UNIT, f"paragraph-{number}", paragraph.group(), start, None, named)
    for kind in KINDS:
        roles = entity_roles(kind)
        for fact in served.get(kind.name, ()):
            searched = " · ".join(
                part for name in kind.search_fields for part in field_text(fact, name) if part
            )
            named = {
                qid_of[entity_id]
                for field in roles.values()
                for entity_id in named_ids(fact.get(field))
                if entity_id in qid_of
            }
            mentions = orjson.dumps(fact.get("mentions", [])).decode("utf-8")
            add(kind.singular, fact["id"], searched, None, mentions, named)
    return units, qids


def write(
    connection: sa.Connection,
    article_id: str,
    version: int,
    text: str,
    served: Mapping[str, Sequence[Fact]],
    metadata: Mapping[str, Any],
) -> None:
    """Index one version's paragraphs and facts (in the caller's transaction)."""
    units, qids = _rows(article_id, version, text, served, metadata)
    if units:
        connection.execute(sa.insert(search_units), units)
    if qids:
        connection.execute(sa.insert(search_qids), qids)
    _dialect(connection).indexed(connection, article_id, version)


def refill(connection: sa.Connection) -> int:
    """Empty the search index and fill it again from every stored version; how many."""
    connection.execute(sa.delete(search_qids))
    connection.execute(sa.delete(search_units))
    _dialect(connection).emptied(connection)
    rows = connection.execute(
        sa.select(
            versions.c.article_id,
            versions.c.version,
            versions.c.text,
            versions.c.facts,
            versions.c.metadata,
        ).order_by(versions.c.generation)
    ).all()
    for row in rows:
        write(
            connection,
            row.article_id,
            row.version,
            row.text,
            orjson.loads(row.facts),
            orjson.loads(row.metadata),
        )
    return len(rows)


def create(connection: sa.Connection) -> None:
    """Create the engine's full-text index over `search_units.words` (migration 0005)."""
    _dialect(connection).create(connection)


# The engines ----------------------------------------------------------------------------------


class _SQLite:
    """FTS5: a contentless table of the units' words, its rowid the unit's id."""

    # `search_fts` is FTS5's hidden column named after its table: the left side of MATCH.
    fts = sa.table(
        "search_fts",
        sa.column("rowid", sa.Integer),
        sa.column("words", sa.Text),
        sa.column("search_fts", sa.Text),
    )

    def create(self, connection: sa.Connection) -> None:
        connection.exec_driver_sql(
            # `ascii`: every non-ASCII character is part of a token and only ASCII ones other
            # than letters and digits separate, so FTS5 keeps exactly the tokens written here.
            # (`unicode61`'s Unicode 6.1 tables take some letters Python knows for separators,
            # which split one token into a phrase, an error with `detail=none`.)
            "CREATE VIRTUAL TABLE search_fts USING fts5(words, content='', detail=none, "
            "tokenize='ascii')"
        )

    def indexed(self, connection: sa.Connection, article_id: str, version: int) -> None:
        connection.execute(
            sa.insert(self.fts).from_select(
                ["rowid", "words"],
                sa.select(search_units.c.id, search_units.c.words).where(
                    search_units.c.article_id == article_id, search_units.c.version == version
                ),
            )
        )

    def emptied(self, connection: sa.Connection) -> None:
        connection.exec_driver_sql("INSERT INTO search_fts(search_fts) VALUES ('delete-all')")

    def matches(self) -> sa.ColumnElement[bool]:
        return search_units.c.id.in_(
            sa.select(self.fts.c.rowid).where(self.fts.c.search_fts.match(sa.bindparam("query")))
        )

    def score(self, word_count: int) -> sa.ColumnElement[Any]:
        length = search_units.c.word_count * (B / AVERAGE_WORDS) + (1 - B)
        total: sa.ColumnElement[Any] = sa.literal(0.0)
        for number in range(word_count):
            occurrences = (
                sa.func.length(search_units.c.words)
                - sa.func.length(
                    sa.func.replace(search_units.c.words, sa.bindparam(f"padded_{number}"), "")
                )
            ) / sa.bindparam(f"padded_length_{number}")
            total = total + occurrences * (K1 + 1) / (occurrences + K1 * length)
        return total

    def parameters(self, words: Sequence[str]) -> dict[str, Any]:
        """The bound values of `matches` and `score` for these words."""
        # Each token a quoted FTS5 string (quotes doubled, though tokens have none); strings
        # side by side must all match.
        found: dict[str, Any] = {
            "query": " ".join('"' + word.replace('"', '""') + '"' for word in words)
        }
        for number, word in enumerate(words):
            found[f"padded_{number}"] = f" {word} "
            found[f"padded_length_{number}"] = len(word) + 2
        return found


class _PostgreSQL:
    """A generated `tsvector` column of the units' words (`simple`), with a GIN index."""

    # Not declared in `database.search_units`: only PostgreSQL has it.
    document: sa.ColumnElement[Any] = sa.literal_column("search_units.document")

    def create(self, connection: sa.Connection) -> None:
        connection.exec_driver_sql(
            "ALTER TABLE search_units ADD COLUMN document tsvector GENERATED ALWAYS AS "
            "(to_tsvector('simple'::regconfig, words)) STORED"
        )
        connection.exec_driver_sql(
            "CREATE INDEX search_units_document ON search_units USING gin (document)"
        )

    def indexed(self, connection: sa.Connection, article_id: str, version: int) -> None:
        """Nothing: the column is generated as the row is written."""

    def emptied(self, connection: sa.Connection) -> None:
        """Nothing: the column goes with its row."""

    def _query(self) -> sa.ColumnElement[Any]:
        return sa.func.plainto_tsquery(sa.literal_column("'simple'"), sa.bindparam("query"))

    def matches(self) -> sa.ColumnElement[bool]:
        return self.document.bool_op("@@")(self._query())

    def score(self, word_count: int) -> sa.ColumnElement[Any]:
        return sa.func.ts_rank_cd(self.document, self._query())

    def parameters(self, words: Sequence[str]) -> dict[str, Any]:
        """The bound values of `matches` and `score` for these words."""
        return {"query": " ".join(words)}


_ENGINES: dict[str, _SQLite | _PostgreSQL] = {"sqlite": _SQLite(), "postgresql": _PostgreSQL()}


def _dialect(connection: sa.Connection) -> _SQLite | _PostgreSQL:
    return _ENGINES[connection.dialect.name]


# Reading --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    """One unit that matches, as a search result shows it."""

    key: SearchKey
    article_id: str
    version: int
    kind: str
    unit_id: str
    spans: list[dict[str, Any]]
    snippet: str

    @property
    def score(self) -> float:
        """The unit's score for the query, higher first."""
        return self.key[0] / SCORE_SCALE


# The filters a search takes, each tested against one bound parameter of the same name.
FILTERS = ("kind", "entity", "outlet", "published_from", "published_to")


def _conditions(filters: frozenset[str]) -> list[sa.ColumnElement[bool]]:
    """The WHERE conditions of the filters set, each value a bound parameter."""
    found: list[sa.ColumnElement[bool]] = []
    if "kind" in filters:
        found.append(search_units.c.kind.in_(sa.bindparam("kind", expanding=True)))
    if "entity" in filters:
        found.append(
            sa.select(search_qids.c.qid)
            .where(
                search_qids.c.article_id == search_units.c.article_id,
                search_qids.c.version == search_units.c.version,
                search_qids.c.position == search_units.c.position,
                search_qids.c.qid == sa.bindparam("entity"),
            )
            .exists()
        )
    if "outlet" in filters:
        found.append(search_units.c.outlet.in_(sa.bindparam("outlet", expanding=True)))
    # As printed, as the article list compares them (api.store.article_filters).
    if "published_from" in filters:
        found.append(search_units.c.published >= sa.bindparam("published_from"))
    if "published_to" in filters:
        found.append(search_units.c.published <= sa.bindparam("published_to"))
    return found


def _parameters(
    engine: "_SQLite | _PostgreSQL", words: Sequence[str], filters: Mapping[str, Any]
) -> tuple[frozenset[str], dict[str, Any]]:
    """The filters set, and the bound values of a search: the words' and the filters'."""
    values = engine.parameters(words)
    if filters.get("kind"):
        values["kind"] = list(filters["kind"])
    if filters.get("entity"):
        values["entity"] = filters["entity"]
    if filters.get("outlet"):
        # The names of the outlets asked for (the store resolves aliases and QIDs to them).
        values["outlet"] = list(filters["outlet"])
    # Each bound as the first and last minute it covers (schemas.articles.published_bounds).
    if filters.get("published_from"):
        values["published_from"] = filters["published_from"][0]
    if filters.get("published_to"):
        values["published_to"] = filters["published_to"][1]
    return frozenset(name for name in FILTERS if name in values), values


def _matching(engine: "_SQLite | _PostgreSQL", filters: frozenset[str]) -> sa.Select[Any]:
    """The units of the latest versions served that hold every word and pass the filters."""
    return (
        sa.select(search_units.c.id)
        .join(
            articles,
            sa.and_(
                articles.c.article_id == search_units.c.article_id,
                articles.c.latest_version == search_units.c.version,
            ),
        )
        .where(engine.matches(), articles.c.withdrawn_reason.is_(None), *_conditions(filters))
    )


# Statements are built once for each shape (engine, number of words, filters set, paged or
# not) and kept: building one costs more than running it.
@functools.cache
def _page_statement(dialect: str, word_count: int, filters: frozenset[str], paged: bool) -> Any:
    engine = _ENGINES[dialect]
    score = sa.cast(sa.func.round(engine.score(word_count) * SCORE_SCALE), sa.BigInteger).label(
        "score"
    )
    scored = (
        _matching(engine, filters)
        .with_only_columns(
            score,
            search_units.c.article_id,
            search_units.c.position,
            search_units.c.version,
            search_units.c.kind,
            search_units.c.unit_id,
            search_units.c.searched,
            search_units.c.start,
            search_units.c.mentions,
        )
        .subquery("scored")
    )
    order = (-scored.c.score, scored.c.article_id, scored.c.position)
    query = sa.select(scored)
    if paged:
        after = (
            -sa.bindparam("after_score", type_=sa.BigInteger),
            sa.bindparam("after_article", type_=sa.String),
            sa.bindparam("after_position", type_=sa.Integer),
        )
        query = query.where(sa.tuple_(*order) > sa.tuple_(*after))
    return query.order_by(*order).limit(sa.bindparam("limit", type_=sa.Integer))


def search(
    connection: sa.Connection,
    words: Sequence[str],
    filters: Mapping[str, Any],
    after: SearchKey | None,
    limit: int,
) -> list[Hit]:
    """Up to `limit` units holding every word, best first, after a key.

    The key (score, article id, position) is a total order in which a unit's place depends
    on it and the query alone: a walk that continues after the last key it saw returns each
    unit once, and a unit ingested during the walk shows if it sorts after the page read.
    """
    if not words:
        return []
    dialect = connection.dialect.name
    chosen, values = _parameters(_ENGINES[dialect], words, filters)
    values["limit"] = limit
    if after is not None:
        values.update(after_score=after[0], after_article=after[1], after_position=after[2])
    statement = _page_statement(dialect, len(words), chosen, after is not None)
    rows = connection.execute(statement, values).all()
    wanted = set(words)
    return [
        Hit(
            (int(row.score), row.article_id, row.position),
            row.article_id,
            row.version,
            row.kind,
            row.unit_id,
            _spans(row, wanted),
            snippet(row.searched, wanted),
        )
        for row in rows
    ]


@functools.cache
def _articles_statement(dialect: str) -> Any:
    return (
        _matching(_ENGINES[dialect], frozenset())
        .with_only_columns(search_units.c.article_id)
        .distinct()
    )


def articles_matching(connection: sa.Connection, words: Sequence[str]) -> set[str]:
    """The articles served with a paragraph or a fact (latest version) holding every word."""
    if not words:
        return set()
    dialect = connection.dialect.name
    values = _ENGINES[dialect].parameters(words)
    return set(connection.execute(_articles_statement(dialect), values).scalars())


def _spans(row: Any, wanted: set[str]) -> list[dict[str, Any]]:
    """Where the query's words stand in the article's text: in the paragraph, or in each of
    the fact's mentions (none when only its annotation holds them)."""
    if row.start is not None:
        places = [(row.start, row.searched)]
    else:
        places = [(mention["start"], mention["text"]) for mention in orjson.loads(row.mentions)]
    return [
        {"start": offset + start, "end": offset + end, "text": text[start:end]}
        for offset, text in places
        for start, end in matched_words(text, wanted)
    ]


def snippet(searched: str, wanted: set[str]) -> str:
    """Up to SNIPPET_LENGTH characters of the unit's words around the first that matches,
    HTML-escaped, each matching word marked; `…` where the words were cut."""
    found = matched_words(searched, wanted)
    begin = 0
    if found and len(searched) > SNIPPET_LENGTH:
        begin = max(0, min(found[0][0] - SNIPPET_LENGTH // 4, len(searched) - SNIPPET_LENGTH))
        space = searched.rfind(" ", 0, begin + 1)
        begin = space + 1 if space > begin - 20 and space >= 0 else begin
    end = min(len(searched), begin + SNIPPET_LENGTH)
    parts = ["…" if begin else ""]
    at = begin
    for start, stop in found:
        if start < begin or stop > end:
            continue
        parts += [html.escape(searched[at:start]), MARK[0], html.escape(searched[start:stop])]
        parts.append(MARK[1])
        at = stop
    parts += [html.escape(searched[at:end]), "…" if end < len(searched) else ""]
    return "".join(parts)


@functools.cache
def _facets_statement(dialect: str, filters: frozenset[str]) -> Any:
    matching = (
        _matching(_ENGINES[dialect], filters)
        .with_only_columns(
            search_units.c.article_id,
            search_units.c.version,
            search_units.c.position,
            search_units.c.kind,
            search_units.c.outlet,
            sa.func.substr(search_units.c.published, 1, 7).label("month"),
        )
        .cte("matching")
    )
    count = sa.func.count().label("count")

    def counted(name: str, value: Any, source: Any, *where: Any) -> sa.Select[Any]:
        top = (
            sa.select(sa.literal_column(f"'{name}'").label("facet"), value.label("value"), count)
            .select_from(source)
            .where(*where)
            .group_by(value)
            .order_by(count.desc(), value)
            .limit(FACET_SIZE)
            .subquery()
        )
        return sa.select(top.c.facet, top.c.value, top.c.count)

    named = matching.join(
        search_qids,
        sa.and_(
            search_qids.c.article_id == matching.c.article_id,
            search_qids.c.version == matching.c.version,
            search_qids.c.position == matching.c.position,
        ),
    )
    return sa.union_all(
        sa.select(
            sa.literal_column("'total'"), sa.literal_column("''"), sa.func.count()
        ).select_from(matching),
        counted("kind", matching.c.kind, matching),
        counted("entity", search_qids.c.qid, named),
        counted("outlet", matching.c.outlet, matching, matching.c.outlet != ""),
        counted("month", matching.c.month, matching),
    )


def facets(
    connection: sa.Connection, words: Sequence[str], filters: Mapping[str, Any]
) -> tuple[int, dict[str, dict[str, int]]]:
    """How many units match in all, and the counts of the most frequent kinds, entity QIDs,
    outlets and publication months among them (FACET_SIZE of each), in one query."""
    found: dict[str, dict[str, int]] = {facet: {} for facet in FACETS}
    if not words:
        return 0, found
    dialect = connection.dialect.name
    chosen, values = _parameters(_ENGINES[dialect], words, filters)
    total = 0
    for facet, value, number in connection.execute(
        _facets_statement(dialect, chosen), values
    ).all():
        if facet == "total":
            total = int(number)
        else:
            found[facet][value] = int(number)
    # Most frequent first, then by value: the union keeps no order of its own.
    ordered = {
        facet: dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
        for facet, counts in found.items()
    }
    return total, ordered

"""The facts index: every fact of every stored version as rows, for lists across articles.

Written in the transaction that writes a version (so it never disagrees with `versions`),
refilled by a rebuild, and read with the article's latest version joined in, so a list across
articles shows only the latest version of each article served (not withdrawn).

Which entities a fact names, and in which role, comes from each kind's `relations` in the
kind table; which field a filter tests, from its `filters`. Nothing here lists kinds by hand.
Every value a client sends reaches SQL as a bound parameter.
"""

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
import sqlalchemy as sa

from api.store.article import Fact, search_text
from api.store.database import articles, fact_qids, fact_values, facts, versions
from schemas.dates import date_bounds
from schemas.kinds import BY_NAME, KINDS, Filter, Kind

# The role of an entity's own QID among the entities a fact names.
SELF = "self"

# The order of a list across articles, which a cursor continues from.
Key = tuple[str, str, str, int]


@dataclass(frozen=True)
class IndexedFact:
    """One fact of a latest version, as a list across articles serves it."""

    key: Key
    article_id: str
    version: int
    body: str


def entity_roles(kind: Kind) -> dict[str, str]:
    """The roles in which a fact of this kind names entities: relation name -> id field."""
    roles = {
        name: relation.id_field
        for name, relation in kind.relations.items()
        if relation.kind == "entities"
    }
    if kind.name == "entities":
        roles[SELF] = "id"
    return roles


def filter_roles(kind: Kind, spec: Filter) -> tuple[str, ...]:
    """The roles a filter naming an entity matches: those whose id field it tests."""
    if spec.test == "wikidata":
        return (SELF,)
    return tuple(name for name, field in entity_roles(kind).items() if field in spec.fields)


def named_ids(value: Any) -> list[str]:
    """The values of a field that holds one id, a list of them, or none, as a list."""
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _rows(
    article_id: str, version: int, served: Mapping[str, Sequence[Fact]], published: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    qid_of = {
        entity["id"]: entity["wikidata"]
        for entity in served.get("entities", ())
        if entity.get("wikidata")
    }
    fact_rows: list[dict[str, Any]] = []
    qid_rows: list[dict[str, Any]] = []
    value_rows: list[dict[str, Any]] = []
    for kind in KINDS:
        roles = entity_roles(kind)
        valued = {
            spec.fields[0]
            for spec in kind.filters
            if spec.test in ("equals", "contains") and not spec.names_entity
        }
        for position, fact in enumerate(served.get(kind.name, ())):
            where = {
                "article_id": article_id,
                "version": version,
                "kind": kind.name,
                "fact_id": fact["id"],
            }
            day = last_day = ""
            if kind.order == "date":
                first, last = date_bounds(fact["date"])
                day, last_day = first.isoformat(), last.isoformat()
            fact_rows.append(
                {
                    **where,
                    "position": position,
                    "day": day,
                    "last_day": last_day,
                    "published": published,
                    "search_text": search_text(kind, fact),
                    "body": orjson.dumps(fact).decode("utf-8"),
                }
            )
            qids = {
                (role, qid_of[entity_id])
                for role, field in roles.items()
                for entity_id in named_ids(fact.get(field))
                if entity_id in qid_of
            }
            qid_rows.extend({**where, "role": role, "qid": qid} for role, qid in sorted(qids))
            values = {(field, value) for field in valued for value in named_ids(fact.get(field))}
            value_rows.extend(
                {**where, "field": field, "value": str(value)} for field, value in sorted(values)
            )
    return fact_rows, qid_rows, value_rows


def write(
    connection: sa.Connection,
    article_id: str,
    version: int,
    served: Mapping[str, Sequence[Fact]],
    published: str,
) -> None:
    """Index one version's facts (in the caller's transaction)."""
    for table, rows in zip(
        (facts, fact_qids, fact_values),
        _rows(article_id, version, served, published),
        strict=True,
    ):
        if rows:
            connection.execute(sa.insert(table), rows)


def refill(connection: sa.Connection) -> int:
    """Empty the index and fill it again from every stored version; how many versions."""
    for table in (fact_qids, fact_values, facts):
        connection.execute(sa.delete(table))
    rows = connection.execute(
        sa.select(versions.c.article_id, versions.c.version, versions.c.facts, versions.c.metadata)
    ).all()
    for row in rows:
        published = published_of(orjson.loads(row.metadata))
        write(connection, row.article_id, row.version, orjson.loads(row.facts), published)
    return len(rows)


def published_of(metadata: Mapping[str, Any]) -> str:
    """When the article was published, as printed, for the order across articles."""
    return str(metadata.get("published") or "")


# A filter's form in a statement: its value bound at each execution, or (a QID filter
# given `true`/`false`) whether the fact names any QID at all.
BOUND = "value"
# The wildcards of LIKE, escaped so that `%` and `_` in `q` match themselves.
LIKE_ESCAPE = "/"


def _shape(kind: Kind, args: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """Which filters `args` sets, and in which form: what a statement depends on, values
    aside, so statements are built once per shape rather than per request."""
    shape = []
    for spec in kind.filters:
        value = args.get(spec.argument)
        if value is None:
            continue
        whether = spec.test == "wikidata" and value in ("true", "false")
        shape.append((spec.argument, value if whether else BOUND))
    return tuple(shape)


def _parameters(kind: Kind, args: Mapping[str, Any]) -> dict[str, Any]:
    """The values of the filters `args` sets, by the names their statements bind them to."""
    bound: dict[str, Any] = {}
    for spec in kind.filters:
        value = args.get(spec.argument)
        if value is None or (spec.test == "wikidata" and value in ("true", "false")):
            continue
        if spec.test == "text":
            escaped = value.casefold()
            for special in (LIKE_ESCAPE, "%", "_"):
                escaped = escaped.replace(special, LIKE_ESCAPE + special)
            value = escaped
        elif spec.test == "after":
            value = date_bounds(value)[0].isoformat()
        elif spec.test == "before":
            value = date_bounds(value)[1].isoformat()
        bound[f"filter_{spec.argument}"] = str(value)
    return bound


def _conditions(kind: Kind, shape: tuple[tuple[str, str], ...]) -> list[sa.ColumnElement[bool]]:
    """The WHERE conditions of the filters a shape sets, each value a bound parameter."""

    def same_fact(table: sa.Table) -> sa.ColumnElement[bool]:
        return sa.and_(
            table.c.article_id == facts.c.article_id,
            table.c.version == facts.c.version,
            table.c.kind == facts.c.kind,
            table.c.fact_id == facts.c.fact_id,
        )

    def names_qid(roles: Sequence[str], qid: Any) -> sa.ColumnElement[bool]:
        if qid is None:  # whether it names any QID: tested fact by fact
            return (
                sa.select(fact_qids.c.qid)
                .where(same_fact(fact_qids), fact_qids.c.role.in_(roles))
                .exists()
            )
        # The facts that name this QID, from its index (qid, kind): a planner with statistics
        # starts from these few rather than walk every fact of the kind in order.
        named = sa.select(
            fact_qids.c.article_id, fact_qids.c.version, fact_qids.c.kind, fact_qids.c.fact_id
        ).where(fact_qids.c.qid == qid, fact_qids.c.kind == kind.name, fact_qids.c.role.in_(roles))
        return sa.tuple_(facts.c.article_id, facts.c.version, facts.c.kind, facts.c.fact_id).in_(
            named
        )

    forms = dict(shape)
    found: list[sa.ColumnElement[bool]] = []
    for spec in kind.filters:
        form = forms.get(spec.argument)
        if form is None:
            continue
        value = sa.bindparam(f"filter_{spec.argument}", type_=sa.String)
        if spec.test == "text":
            found.append(facts.c.search_text.contains(value, escape=LIKE_ESCAPE))
        elif spec.test == "after":
            found.append(facts.c.last_day >= value)
        elif spec.test == "before":
            found.append(facts.c.day <= value)
        elif form != BOUND:
            has = names_qid((SELF,), None)
            found.append(has if form == "true" else ~has)
        elif spec.names_entity or spec.test == "wikidata":
            found.append(names_qid(filter_roles(kind, spec), value))
        else:
            found.append(
                sa.select(fact_values.c.value)
                .where(
                    same_fact(fact_values),
                    fact_values.c.field == spec.fields[0],
                    fact_values.c.value == value,
                )
                .exists()
            )
    return found


def _latest(kind: Kind, shape: tuple[tuple[str, str], ...]) -> sa.Select[Any]:
    return (
        sa.select(facts.c.article_id)
        .select_from(facts)
        .join(
            articles,
            sa.and_(
                articles.c.article_id == facts.c.article_id,
                articles.c.latest_version == facts.c.version,
            ),
        )
        .where(
            facts.c.kind == kind.name,
            articles.c.withdrawn_reason.is_(None),
            *_conditions(kind, shape),
        )
    )


ORDER = (facts.c.day, facts.c.published, facts.c.article_id, facts.c.position)
AFTER: tuple[sa.BindParameter[Any], ...] = tuple(
    sa.bindparam(f"after_{number}") for number in range(len(ORDER))
)


@functools.lru_cache(maxsize=1024)
def _page_statement(
    kind_name: str, shape: tuple[tuple[str, str], ...], after: bool
) -> sa.Select[Any]:
    # Built once per shape: building a statement costs more than running it (about 0.5 ms).
    query = _latest(BY_NAME[kind_name], shape).with_only_columns(
        *ORDER, facts.c.version, facts.c.body
    )
    if after:
        query = query.where(sa.tuple_(*ORDER) > sa.tuple_(*AFTER))
    return query.order_by(*ORDER).limit(sa.bindparam("limit", type_=sa.Integer))


@functools.lru_cache(maxsize=1024)
def _count_statement(kind_name: str, shape: tuple[tuple[str, str], ...]) -> sa.Select[Any]:
    return _latest(BY_NAME[kind_name], shape).with_only_columns(sa.func.count())


def select(
    connection: sa.Connection,
    kind_name: str,
    args: Mapping[str, Any],
    after: Key | None,
    limit: int,
) -> list[IndexedFact]:
    """Up to `limit` facts of a kind across the latest versions, in order, after a key."""
    kind = BY_NAME[kind_name]
    bound = {**_parameters(kind, args), "limit": limit}
    if after is not None:
        bound.update({parameter.key: value for parameter, value in zip(AFTER, after, strict=True)})
    query = _page_statement(kind_name, _shape(kind, args), after is not None)
    rows = connection.execute(query, bound).all()
    return _indexed(rows)


def _indexed(rows: Sequence[Any]) -> list[IndexedFact]:
    """Rows of ORDER's columns, the version and the body, as indexed facts."""
    return [
        IndexedFact(
            (row.day, row.published, row.article_id, row.position),
            row.article_id,
            row.version,
            row.body,
        )
        for row in rows
    ]


def count(connection: sa.Connection, kind_name: str, args: Mapping[str, Any]) -> int:
    """How many facts of a kind across the latest versions pass the filters."""
    kind = BY_NAME[kind_name]
    query = _count_statement(kind_name, _shape(kind, args))
    return int(connection.execute(query, _parameters(kind, args)).scalar_one())


def _served(query: sa.Select[Any]) -> sa.Select[Any]:
    """The query limited to each article's latest version, of articles served (not withdrawn)."""
    return query.join(
        articles,
        sa.and_(
            articles.c.article_id == fact_qids.c.article_id,
            articles.c.latest_version == fact_qids.c.version,
        ),
    ).where(articles.c.withdrawn_reason.is_(None))


def _carrying(qid: str) -> list[sa.ColumnElement[bool]]:
    return [fact_qids.c.kind == "entities", fact_qids.c.role == SELF, fact_qids.c.qid == qid]


def entities_carrying(connection: sa.Connection, qid: str) -> list[IndexedFact]:
    """Every entity that carries a Wikidata QID in the latest version of an article served,
    by the article's publication, then its id, then reading order."""
    query = _served(
        sa.select(*ORDER, facts.c.version, facts.c.body).join(
            fact_qids,
            sa.and_(
                fact_qids.c.article_id == facts.c.article_id,
                fact_qids.c.version == facts.c.version,
                fact_qids.c.kind == facts.c.kind,
                fact_qids.c.fact_id == facts.c.fact_id,
            ),
        )
    ).where(*_carrying(qid))
    return _indexed(connection.execute(query.order_by(*ORDER)).all())


def articles_naming(connection: sa.Connection, qid: str) -> set[str]:
    """The ids of the articles served whose latest version names an entity by this QID."""
    query = _served(sa.select(fact_qids.c.article_id).distinct()).where(*_carrying(qid))
    return set(connection.execute(query).scalars())

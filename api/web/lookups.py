"""Finding what a request names: an article at a version, a fact; a 404 naming what is
missing, a 410 for a withdrawn article.

Every resource module and the reader page look things up here, so none imports another. A
lookup also tells the serving core what the answer depends on (`environ[CURRENT]`), so a kept
rendering of an article's latest version is dropped as soon as a newer version is seen.
"""

import email.utils
from datetime import datetime

from flask import current_app, request
from flask_smorest import abort

from api.serving.core import CURRENT, IMMUTABLE, LAST_MODIFIED
from api.store import Article
from api.store.repository import ArticleWithdrawn, Store
from schemas.kinds import BY_NAME


def store() -> Store:
    """The store this app serves from."""
    return current_app.extensions["article_facts"]["store"]


def find_article(article_id: str, version: int | None = None) -> Article:
    """The article at a version (the latest without one), or a 404 or 410 naming it."""
    served = store()
    try:
        article = served.article(article_id, version)
    except ArticleWithdrawn as withdrawn:
        abort(410, message=f"Article {article_id!r} was withdrawn: {withdrawn.reason}")
    if article is None:
        latest = served.latest(article_id)
        if latest is not None:
            abort(
                404,
                message=f"No version {version} of article {article_id!r}; its latest is "
                f"{latest.version}.",
            )
        abort(404, message=f"No article {article_id!r}.")
    assert article.version is not None
    ingested_at = served.ingested_at(article_id, article.version)
    if ingested_at:
        moment = datetime.fromisoformat(ingested_at.replace("Z", "+00:00"))
        request.environ[LAST_MODIFIED] = email.utils.format_datetime(moment, usegmt=True)
    epoch = served.epoch
    if version is not None:
        # A version's facts never change (a rebuild only adds fields), so its answers may be
        # kept for a year.
        request.environ[IMMUTABLE] = True
    # The answer holds while the article is served (not withdrawn), no rebuild has happened,
    # and, without a version, while the version it shows is the latest.
    shown = None if version is not None else article.version
    request.environ[CURRENT] = lambda: _still_served(served, article_id, shown, epoch)
    return article


def _still_served(served: Store, article_id: str, latest: int | None, epoch: int) -> bool:
    now = served.latest(article_id)
    return (
        now is not None
        and now.withdrawn_reason is None
        and (latest is None or now.version == latest)
        and served.epoch == epoch
    )


def depend_on_every_article() -> None:
    """Say that the answer (a list of articles) holds until anything in the store changes."""
    served = store()
    generation = served.generation
    request.environ[CURRENT] = lambda: served.generation == generation


def read_version(article_id: str, version: int) -> Article:
    """An article at a version that a list across articles just read from the store."""
    article = store().version_of(article_id, version)
    if article is None:  # the index names only versions the store holds
        raise LookupError(f"no version {version} of article {article_id!r} in the store")
    return article


def find_fact(article, kind, fact_id):
    """The fact of this kind and id in the article, or a 404 naming both."""
    fact = article.find(kind, fact_id)
    if fact is None:
        abort(404, message=f"No {BY_NAME[kind].singular} {fact_id!r} in article {article.id!r}.")
    return fact


def require_entity(article, parameter, entity_id):
    """Refuse a filter naming an entity the article does not have, rather than answer "none".

    The parameter is well-formed, so this is not a 422: the list it names does not exist,
    so it is a 404 that says which parameter named what.
    """
    if entity_id is not None and not article.has_entity(entity_id):
        abort(
            404,
            message=f"No entity {entity_id!r} in article {article.id!r} "
            f"(query parameter {parameter!r}).",
        )

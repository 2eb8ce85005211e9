"""Finding what a request names: the corpus, an article, a fact; a 404 naming what is missing.

Every resource module and the reader page look things up here, so none imports another.
"""

from flask import current_app
from flask_smorest import abort

from schemas.kinds import BY_NAME


def corpus():
    """The articles this app serves, by id."""
    return current_app.extensions["article_facts"]["corpus"]


def find_article(article_id):
    """The article with this id, or a 404 naming it."""
    article = corpus().get(article_id)
    if article is None:
        abort(404, message=f"No article {article_id!r}.")
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

"""Where each fact lives in the API: one place builds every fact's URL."""

from flask import url_for

from schemas.kinds import KINDS

# The detail endpoint of each kind of fact (api.web.facts names it), and its id parameter.
FACT_ENDPOINTS: dict[str, tuple[str, str]] = {
    kind.singular: (f"{kind.path}.{kind.path.title()}ById", f"{kind.singular}_id") for kind in KINDS
}


def fact_url(article_id: str, kind: str, fact_id: str, external: bool = False) -> str:
    """The API path of one fact (absolute if `external`); `kind` is entity, quote, ... claim."""
    endpoint, parameter = FACT_ENDPOINTS[kind]
    return url_for(endpoint, article_id=article_id, _external=external, **{parameter: fact_id})


def article_url(article_id: str, external: bool = False) -> str:
    """The API path of an article (its absolute URL if `external`)."""
    return url_for("articles.ArticlesById", article_id=article_id, _external=external)


def text_url(article_id: str, external: bool = False) -> str:
    """The API path of an article's exact text (its absolute URL if `external`)."""
    return url_for("articles.ArticleText", article_id=article_id, _external=external)

"""The reader: an article as a web page, for people rather than programs.

A package of its own (views, markup builder, templates, static files) that the app factory
plugs in with `init_app`: it registers `text/html` in the app's renderer registry, so an
article's API URL serves the page to a browser, and it serves `GET /`, the page of the one
article served or an index of several, and `/wikidata/<qid>`, an entity across articles. These
pages are not API operations: they stay out of the OpenAPI document, and the API modules never
import this package.

The page runs under `Content-Security-Policy: default-src 'self'`: no inline script or style.
"""

from flask import Blueprint, render_template, url_for

from api.formats.registry import HTML, Offer, Renderer
from api.reader.entity import render_entity_page
from api.reader.page import NEWEST_SHOWN, render_article_page
from api.web.lookups import depend_on_every_article, find_article, store

blp = Blueprint(
    "reader",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/reader",
)

PAGE = Renderer(
    HTML,
    frozenset({"article"}),
    lambda content: render_article_page(content.article),
    schema={"type": "string"},
    compressible=True,
    description="With `Accept: text/html` (a browser): the reader page, the text with every "
    "mention highlighted in place, its timeline, quotes, figures and claims.",
)


@blp.get("/")
def home():
    """The reader page of the one article served, or an index of the articles."""
    summaries = store().summaries()
    depend_on_every_article()
    if len(summaries) == 1:
        return render_article_page(find_article(summaries[0]["id"]))
    # Each card needs its article's standfirst and outlet: the index reads the newest
    # NEWEST_SHOWN articles; `/v1/articles` lists them all.
    newest = sorted(summaries, key=lambda summary: summary["published"], reverse=True)
    served = [find_article(summary["id"]) for summary in newest[:NEWEST_SHOWN]]
    return render_template(
        "reader/index.html",
        articles=[
            {
                "metadata": article.metadata,
                "counts": article.counts,
                "outlet": article.find("entities", article.metadata.get("original_outlet_id")),
                "url": url_for("articles.ArticlesById", article_id=article.id),
            }
            for article in served
        ],
    )


# Only HTML, and kept like any API representation.
home.offer = Offer(None, cached=True, media_types=(HTML,))


@blp.get("/wikidata/<qid>")
def wikidata_entity(qid):
    """The page of one entity across articles, by its Wikidata QID."""
    return render_entity_page(qid)


wikidata_entity.offer = Offer(None, cached=True, media_types=(HTML,))


def init_app(app, renderers):
    """Serve the pages, and the article as a page wherever a browser asks for HTML."""
    renderers.register(PAGE)
    app.register_blueprint(blp)

"""Figures: every number the article states, what it counts and who claims it."""

from flask.views import MethodView

from api.web.blueprint import ARTICLE_ID_PARAMETER, Blueprint, path_parameter
from api.web.listing import fact_response, list_response
from api.web.lookups import find_article, find_fact, require_entity
from schemas.common import served
from schemas.figures import FigureQueryArgsSchema, FigureSchema, FigureViewArgsSchema

FIGURE_ID_PARAMETER = path_parameter(
    "figure_id", "Id (slug) of the figure.", "artillery-shells-total"
)
CSV_COLUMNS = (
    "id, value, unit, qualifier, description, source_ids and entity_ids (`|`-separated), "
    "period.start, period.end, period.text, period.mention (`start:end`), mentions (`start:end` "
    "pairs); with `embed`, sources and entities (their names, `|`-separated)."
)

blp = Blueprint(
    "figures",
    __name__,
    url_prefix="/v1/articles/<article_id>/figures",
    description="Every numeric claim: its value as a number, unit, qualifier (exact, "
    "approximately, more than, ...), sources and period.",
)


@blp.route("", parameters=[ARTICLE_ID_PARAMETER])
class Figures(MethodView):
    @blp.doc(operationId="listFigures")
    @blp.arguments(FigureQueryArgsSchema, location="query")
    @blp.list_response(served(FigureSchema), CSV_COLUMNS)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, args, article_id):
        """List the figures in an article

        In reading order unless `sort` says otherwise. Filter by `source` (an entity id) or by
        words in the unit or description (`q`); `embed=sources` returns who claims each inline.
        """
        article = find_article(article_id)
        require_entity(article, "source", args.get("source"))
        figures = article.find_figures(args.get("source"), args.get("q"))
        return list_response(article, "figures", figures, args)


@blp.route("/<figure_id>", parameters=[ARTICLE_ID_PARAMETER, FIGURE_ID_PARAMETER])
class FiguresById(MethodView):
    @blp.doc(operationId="getFigure")
    @blp.arguments(FigureViewArgsSchema, location="query")
    @blp.response(200, served(FigureSchema))
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.represents("object")
    def get(self, args, article_id, figure_id):
        """Get one figure

        Exactly the object the list shows for the same `fields` and `embed`.
        """
        article = find_article(article_id)
        return fact_response(article, "figures", find_fact(article, "figures", figure_id), args)

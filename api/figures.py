"""Figures: every number the article states, what it counts and who claims it."""

from flask.views import MethodView

from api.articles import ARTICLE_ID_PARAMETER, find_article, find_fact, require_entity
from api.blueprint import Blueprint, paginate, path_parameter
from schemas.figures import FigureQueryArgsSchema, FigureSchema

FIGURE_ID_PARAMETER = path_parameter(
    "figure_id", "Id (slug) of the figure.", "artillery-shells-total"
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
    @blp.arguments(FigureQueryArgsSchema, location="query")
    @blp.list_response(FigureSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, args, article_id):
        """List the figures in an article, in reading order"""
        article = find_article(article_id)
        require_entity(article, "source", args.get("source"))
        return paginate(article.find_figures(args.get("source"), args.get("q")), args)


@blp.route("/<figure_id>", parameters=[ARTICLE_ID_PARAMETER, FIGURE_ID_PARAMETER])
class FiguresById(MethodView):
    @blp.response(200, FigureSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, article_id, figure_id):
        """Get one figure"""
        return find_fact(find_article(article_id), "figures", figure_id)

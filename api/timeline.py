"""Timeline: what happened when, dated as precisely as the article dates it."""

from flask.views import MethodView

from api.articles import ARTICLE_ID_PARAMETER, find_article, find_fact, require_entity
from api.blueprint import Blueprint, paginate, path_parameter
from schemas.events import EventSchema, TimelineQueryArgsSchema

EVENT_ID_PARAMETER = path_parameter("event_id", "Id (slug) of the event.", "ukraine-assaults-kursk")

blp = Blueprint(
    "timeline",
    __name__,
    url_prefix="/v1/articles/<article_id>/timeline",
    description="Events the article places in time, in date order, with ISO 8601 dates cut to "
    "their precision and relative dates resolved against the publication date.",
)


@blp.route("", parameters=[ARTICLE_ID_PARAMETER])
class Timeline(MethodView):
    @blp.arguments(TimelineQueryArgsSchema, location="query")
    @blp.list_response(EventSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, args, article_id):
        """List an article's events in date order"""
        article = find_article(article_id)
        require_entity(article, "entity", args.get("entity"))
        events = article.find_events(args.get("from_"), args.get("to"), args.get("entity"))
        return paginate(events, args)


@blp.route("/<event_id>", parameters=[ARTICLE_ID_PARAMETER, EVENT_ID_PARAMETER])
class TimelineById(MethodView):
    @blp.response(200, EventSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, article_id, event_id):
        """Get one event"""
        return find_fact(find_article(article_id), "events", event_id)

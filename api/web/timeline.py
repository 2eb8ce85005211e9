"""Timeline: what happened when, dated as precisely as the article dates it."""

from flask.views import MethodView

from api.web.blueprint import ARTICLE_ID_PARAMETER, Blueprint, path_parameter
from api.web.listing import fact_response, list_response
from api.web.lookups import find_article, find_fact, require_entity
from schemas.common import served
from schemas.events import EventSchema, EventViewArgsSchema, TimelineQueryArgsSchema

EVENT_ID_PARAMETER = path_parameter("event_id", "Id (slug) of the event.", "ukraine-assaults-kursk")
CSV_COLUMNS = (
    "id, date, precision, date_text, relative, summary, entity_ids, quote_ids and figure_ids "
    "(`|`-separated), mentions (`start:end` pairs); with `embed`, entities, quotes and figures "
    "(their names or words, `|`-separated)."
)

blp = Blueprint(
    "timeline",
    __name__,
    url_prefix="/v1/articles/<article_id>/timeline",
    description="Events the article places in time, in date order, with ISO 8601 dates cut to "
    "their precision and relative dates resolved against the publication date.",
)


@blp.route("", parameters=[ARTICLE_ID_PARAMETER])
class Timeline(MethodView):
    @blp.doc(operationId="listEvents")
    @blp.arguments(TimelineQueryArgsSchema, location="query")
    @blp.list_response(served(EventSchema), CSV_COLUMNS)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, args, article_id):
        """List an article's events in date order

        Filter by a date range (`from`, `to`: partial ISO dates; an event dated to a year or a
        month is kept when its span overlaps the range) or by an `entity` involved.
        """
        article = find_article(article_id)
        require_entity(article, "entity", args.get("entity"))
        events = article.find_events(args.get("from_"), args.get("to"), args.get("entity"))
        return list_response(article, "events", events, args)


@blp.route("/<event_id>", parameters=[ARTICLE_ID_PARAMETER, EVENT_ID_PARAMETER])
class TimelineById(MethodView):
    @blp.doc(operationId="getEvent")
    @blp.arguments(EventViewArgsSchema, location="query")
    @blp.response(200, served(EventSchema))
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.represents("object")
    def get(self, args, article_id, event_id):
        """Get one event

        Exactly the object the list shows for the same `fields` and `embed`.
        """
        article = find_article(article_id)
        return fact_response(article, "events", find_fact(article, "events", event_id), args)

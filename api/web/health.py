"""Liveness and readiness probes for process managers, load balancers and orchestrators."""

from flask import current_app
from flask.views import MethodView
from flask_smorest import abort

from api.store.database import is_current
from api.web.blueprint import Blueprint
from api.web.errors import STORE_RETRY_AFTER
from api.web.lookups import store
from schemas.health import HealthSchema


def probe_response(status, articles):
    """A probe's answer: never stored by a cache, which could answer for a dead instance."""
    response = current_app.json.response({"status": status, "articles": articles})
    response.cache_control.no_store = True
    return response


blp = Blueprint(
    "health",
    __name__,
    rate_limited=False,
    description="Probes for load balancers and orchestrators; never rate-limited or cached. "
    "They ignore any query string, so a monitor's cache-buster (`/healthz?t=1`) changes nothing.",
)


@blp.route("/healthz")
class Liveness(MethodView):
    @blp.doc(operationId="checkLiveness")
    @blp.response(200, HealthSchema)
    @blp.represents("object", cached=False)
    def get(self):
        """Check that the process answers

        Liveness: 200 whenever the server can run a request at all. Restart the instance when
        this fails.
        """
        return probe_response("ok", store().articles_seen())


@blp.route("/readyz")
class Readiness(MethodView):
    @blp.doc(operationId="checkReadiness")
    @blp.response(200, HealthSchema)
    @blp.represents("object", cached=False)
    def get(self):
        """Check that the store answers and its schema is current

        Readiness: 200 when this worker reaches the store and the store's schema is at least the
        revision this release needs (so a rolling deploy waits for `article-facts migrate`, and
        an older release keeps serving a newer schema). Otherwise a 503 problem. Every article
        in the store was validated at ingest.
        """
        served = store()
        if not (served.is_ready() and is_current(served.engine)):
            abort(
                503,
                message="The store does not answer, or its schema is not current.",
                headers={"Retry-After": str(STORE_RETRY_AFTER)},
            )
        return probe_response("ready", len(served.summaries()))

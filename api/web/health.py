"""Liveness and readiness probes for process managers, load balancers and orchestrators."""

from flask import current_app
from flask.views import MethodView

from api.web.blueprint import Blueprint
from api.web.lookups import corpus
from schemas.health import HealthSchema


def probe_response(status):
    """A probe's answer: never stored by a cache, which could answer for a dead instance."""
    response = current_app.json.response({"status": status, "articles": len(corpus())})
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
        return probe_response("ok")


@blp.route("/readyz")
class Readiness(MethodView):
    @blp.doc(operationId="checkReadiness")
    @blp.response(200, HealthSchema)
    @blp.represents("object", cached=False)
    def get(self):
        """Check that the dataset is loaded and validated

        Readiness: the app validates every article before it accepts a connection (gunicorn
        preloads it in the master), so an instance that answers here is serving validated
        data. A process with a bad dataset never starts, and this probe never answers.
        """
        return probe_response("ready")

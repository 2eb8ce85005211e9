"""Liveness and readiness probes for process managers, load balancers and orchestrators."""

from flask.views import MethodView

from api.articles import corpus
from api.blueprint import Blueprint
from schemas.health import HealthSchema

blp = Blueprint(
    "health",
    __name__,
    description="Probes for load balancers and orchestrators; never rate-limited or cached.",
)


@blp.route("/healthz")
class Liveness(MethodView):
    @blp.response(200, HealthSchema)
    def get(self):
        """Check that the process answers

        Liveness: 200 whenever the server can run a request at all. Restart the instance when
        this fails.
        """
        return {"status": "ok", "articles": len(corpus())}


@blp.route("/readyz")
class Readiness(MethodView):
    @blp.response(200, HealthSchema)
    def get(self):
        """Check that the dataset is loaded and validated

        Readiness: the app validates every article before it accepts a connection (gunicorn
        preloads it in the master), so an instance that answers here is serving validated
        data. A process with a bad dataset never starts, and this probe never answers.
        """
        return {"status": "ready", "articles": len(corpus())}

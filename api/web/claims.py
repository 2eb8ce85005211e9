"""Claims: every attributed statement, who makes it and in which words."""

from flask.views import MethodView

from api.web.blueprint import ARTICLE_ID_PARAMETER, Blueprint, path_parameter
from api.web.listing import fact_response, list_response
from api.web.lookups import find_article, find_fact, require_entity
from schemas.claims import ClaimQueryArgsSchema, ClaimSchema, ClaimViewArgsSchema
from schemas.common import served

CLAIM_ID_PARAMETER = path_parameter(
    "claim_id", "Id (slug) of the claim.", "skibytsky-shells-since-2023"
)
CSV_COLUMNS = (
    "id, claimant_ids (`|`-separated), cue and content (`start:end`), summary, mode, polarity, "
    "channel, outlet_id, quote_ids, figure_ids and event_ids (`|`-separated), mentions "
    "(`start:end` pairs); with `embed`, claimants, outlet, quotes, figures and events (their "
    "names, words or summaries, `|`-separated)."
)

blp = Blueprint(
    "claims",
    __name__,
    url_prefix="/v1/articles/<article_id>/claims",
    description="Every attributed statement, direct or reported: who makes it (the claimants), "
    "the words that attribute it (the cue), what it says, and the quotes, figures and events "
    "it carries. The narrator's own statements are not claims.",
)


@blp.route("", parameters=[ARTICLE_ID_PARAMETER])
class Claims(MethodView):
    @blp.doc(operationId="listClaims")
    @blp.arguments(ClaimQueryArgsSchema, location="query")
    @blp.list_response(served(ClaimSchema), CSV_COLUMNS)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, args, article_id):
        """List the claims in an article

        In reading order unless `sort` says otherwise. Filter by `claimant` (an entity id),
        `mode`, `polarity` or words in the content or summary (`q`); `embed=claimants` returns
        who makes each claim inline.
        """
        article = find_article(article_id)
        require_entity(article, "claimant", args.get("claimant"))
        claims = article.find_claims(
            args.get("claimant"), args.get("mode"), args.get("polarity"), args.get("q")
        )
        return list_response(article, "claims", claims, args)


@blp.route("/<claim_id>", parameters=[ARTICLE_ID_PARAMETER, CLAIM_ID_PARAMETER])
class ClaimsById(MethodView):
    @blp.doc(operationId="getClaim")
    @blp.arguments(ClaimViewArgsSchema, location="query")
    @blp.response(200, served(ClaimSchema))
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.represents("object")
    def get(self, args, article_id, claim_id):
        """Get one claim

        Exactly the object the list shows for the same `fields` and `embed`.
        """
        article = find_article(article_id)
        return fact_response(article, "claims", find_fact(article, "claims", claim_id), args)

"""The list and detail operations of every kind of fact, built from the kind table.

Each kind (`schemas.kinds.KINDS`) gets a blueprint named by its path (`timeline`) with two
views, `<Path>` and `<Path>ById` (`Timeline`, `TimelineById`): the list, filtered by what the
kind declares, and one fact, exactly as the list shows it.
"""

import marshmallow as ma
from flask.views import MethodView

from api.web.blueprint import ARTICLE_ID_PARAMETER, Blueprint, path_parameter
from api.web.listing import columns_description, fact_response, list_response
from api.web.lookups import find_article, find_fact, require_entity
from schemas.common import VersionArgsSchema, served
from schemas.kinds import KINDS, Kind


def versioned(schema: type[ma.Schema]) -> type[ma.Schema]:
    """A kind's query arguments with `version`, which every URL of one article takes."""
    return type(schema.__name__, (schema, VersionArgsSchema), {"__doc__": schema.__doc__})


def fact_blueprint(kind: Kind) -> Blueprint:
    """The blueprint of one kind: its list and its detail operation."""
    blp = Blueprint(
        kind.path,
        __name__,
        url_prefix=f"/v1/articles/<article_id>/{kind.path}",
        description=kind.description,
    )
    id_parameter = path_parameter(
        f"{kind.singular}_id", f"Id (slug) of the {kind.singular}.", kind.example_id
    )
    name = kind.path.title()
    # A withdrawn article's every URL answers 410 with the reason.
    gone = blp.alt_response(410, response="GONE")

    def list_facts(self, args, article_id):
        article = find_article(article_id, args.get("version"))
        for spec in kind.filters:
            if spec.names_entity:
                require_entity(article, spec.parameter, args.get(spec.argument))
        return list_response(article, kind.name, article.select(kind.name, args), args)

    def get_fact(self, args, article_id, **path):
        article = find_article(article_id, args.get("version"))
        fact = find_fact(article, kind.name, path[f"{kind.singular}_id"])
        return fact_response(article, kind.name, fact, args)

    list_facts.__doc__ = kind.list_doc
    get_fact.__doc__ = kind.detail_doc
    list_view = blp.doc(operationId=kind.list_operation)(
        blp.arguments(versioned(kind.query_args), location="query")(
            blp.list_response(
                served(kind.schema), columns_description(kind.schema(), kind.relations)
            )(gone(blp.alt_response(404, response="NOT_FOUND")(list_facts)))
        )
    )
    detail_view = blp.doc(operationId=kind.detail_operation)(
        blp.arguments(versioned(kind.view_args), location="query")(
            blp.response(200, served(kind.schema))(
                gone(
                    blp.alt_response(404, response="NOT_FOUND")(blp.represents("object")(get_fact))
                )
            )
        )
    )
    blp.route("", parameters=[ARTICLE_ID_PARAMETER])(type(name, (MethodView,), {"get": list_view}))
    blp.route(f"/<{kind.singular}_id>", parameters=[ARTICLE_ID_PARAMETER, id_parameter])(
        type(f"{name}ById", (MethodView,), {"get": detail_view})
    )
    return blp


BLUEPRINTS = tuple(fact_blueprint(kind) for kind in KINDS)

"""The one error shape: RFC 9457 problem details."""

import marshmallow as ma


class ProblemSchema(ma.Schema):
    """An RFC 9457 problem details object, served as `application/problem+json`."""

    type = ma.fields.String(
        required=True,
        metadata={
            "description": "URI identifying the problem type; `about:blank` means the HTTP "
            "status says it all.",
            "example": "about:blank",
        },
    )
    title = ma.fields.String(
        required=True,
        metadata={"description": "The HTTP status phrase.", "example": "Not Found"},
    )
    status = ma.fields.Integer(
        required=True, metadata={"description": "The HTTP status code.", "example": 404}
    )
    detail = ma.fields.String(
        required=True,
        metadata={
            "description": "What went wrong with this request, naming the parameter or "
            "resource at fault.",
            "example": "No entity 'kursk' in article "
            "'north-korean-troops-help-russian-army-clear-mines'.",
        },
    )
    errors = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Dict(),
        metadata={
            "description": "For invalid requests (422): the messages for each parameter, by "
            "location (`query`, `path`) and parameter name.",
            "example": {
                "query": {
                    "page_size": [
                        "Must be greater than or equal to 1 and less than or equal to 100."
                    ]
                }
            },
        },
    )

"""The body of the health probes."""

import marshmallow as ma


class HealthSchema(ma.Schema):
    """What a probe reports."""

    status = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(["ok", "ready"]),
        metadata={
            "description": "`ok` (liveness) or `ready` (readiness).",
            "example": "ready",
            "enum_name": "HealthStatus",
        },
    )
    articles = ma.fields.Integer(
        required=True,
        metadata={"description": "Number of validated articles served.", "example": 1},
    )

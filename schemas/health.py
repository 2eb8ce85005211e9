"""The body of the health probes."""

import marshmallow as ma

from schemas import common


class HealthSchema(ma.Schema):
    """What a probe reports."""

    status = common.enum_field(
        "HealthStatus", ["ok", "ready"], "`ok` (liveness) or `ready` (readiness).", example="ready"
    )
    articles = ma.fields.Integer(
        required=True,
        metadata={"description": "Number of validated articles served.", "example": 1},
    )

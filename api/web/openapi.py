"""What the OpenAPI document says beyond what apispec infers from the schemas.

- Named enums. A field whose metadata has `enum_name` becomes a reference to one enum
  component of that name, wherever it is used (a response field, a query filter, the items of
  a list parameter), so a generated client gets one type per closed set of values: one
  `Channel`, not one enum per place it appears (and a nullable enum is that component or
  `null`, not a type list with `null` among the values, which generators turn into three
  copies). `x-enum-varnames` names members whose values are not identifiers (`-name` is
  `NAME_DESCENDING`).
- Conditional requests: the ETag and If-None-Match headers, described as this API uses them.
- Rate limits: the `X-RateLimit-*` headers and the 429 problem, on every operation a limit
  applies to (see api.web.blueprint).
"""

from apispec.ext.marshmallow.field_converter import make_type_list

from schemas.problems import ProblemSchema

# Headers of every response to a rate-limited operation, as OpenAPI header components.
RATE_LIMIT_WHEN = (
    " Sent on every response of a rate-limited operation when a limit is configured "
    "(`ARTICLE_FACTS_RATE_LIMIT`); absent otherwise."
)
RATE_LIMIT_HEADERS = {
    "X-RateLimit-Limit": (
        "RATE_LIMIT_LIMIT",
        {
            "description": "How many requests this client may make in the current window."
            + RATE_LIMIT_WHEN,
            "schema": {"type": "integer", "minimum": 0},
            "example": 6000,
        },
    ),
    "X-RateLimit-Remaining": (
        "RATE_LIMIT_REMAINING",
        {
            "description": "How many requests this client has left in the current window."
            + RATE_LIMIT_WHEN,
            "schema": {"type": "integer", "minimum": 0},
            "example": 5999,
        },
    ),
    "X-RateLimit-Reset": (
        "RATE_LIMIT_RESET",
        {
            "description": "When the current window ends and the budget is whole again, as "
            "Unix time (seconds since 1970-01-01T00:00:00Z)." + RATE_LIMIT_WHEN,
            "schema": {"type": "integer", "minimum": 0},
            "example": 1795793934,
        },
    ),
}
RETRY_AFTER_HEADER = {
    "description": "Seconds to wait before the next request can succeed (RFC 9110).",
    "schema": {"type": "integer", "minimum": 0},
    "example": 60,
}
RATE_LIMITED_RESPONSE = "RATE_LIMITED"

ETAG_HEADER = {
    "description": "Strong entity tag of this representation: a hash of its bytes, the same "
    "for the same URL, `Accept` and data; a gzip or Brotli copy (`Content-Encoding`) has a tag "
    "of its own, the plain one with `-gzip` or `-br`. Send it back in `If-None-Match` to "
    'revalidate. A proxy that compresses the body may turn it into a weak tag (`W/"..."`), '
    "which revalidates the same way.",
    "schema": {"type": "string"},
    "example": '"abbf8864580978949fba228a59b99bb7"',
}
IF_NONE_MATCH_PARAMETER = {
    "name": "If-None-Match",
    "description": "One or more entity tags from earlier responses of this URL (or `*`). If "
    "one matches the current representation (weak comparison, so a compressing proxy's "
    "`W/` tag matches too), the answer is `304 Not Modified` with no body.",
    "schema": {"type": "string"},
    "example": '"abbf8864580978949fba228a59b99bb7"',
}


REQUEST_ID_HEADER = {
    "description": "The id of this request, also written in the server's logs: the "
    "`X-Request-ID` the request carried if it is a plain token (letters, digits, `.`, `_`, `:`, "
    "`-`, at most 128), else a new one of 32 hexadecimal digits. Quote it when reporting a "
    "problem.",
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9._:-]{1,128}$"},
    "example": "7d3c0b6e-readme",
}


def named_enum(converter, field, ret, **kwargs):
    """apispec attribute function: a field with `enum_name` becomes a reference to that enum."""
    name = field.metadata.get("enum_name")
    if name is None or "enum" not in ret:
        return {}
    types = make_type_list(ret.pop("type", None))
    component = {
        "type": next(kind for kind in types if kind != "null"),
        "enum": [value for value in ret.pop("enum") if value is not None],
    }
    if "x-enum-varnames" in ret:
        component["x-enum-varnames"] = ret.pop("x-enum-varnames")
    description = field.metadata.get("enum_description", ret.get("description"))
    if description:
        component["description"] = description
    registered = converter.spec.components.schemas.get(name)
    if registered is None:
        converter.spec.components.schema(name, component)
    elif registered != component:
        raise ValueError(f"Two different enums are named {name}: {registered} and {component}")
    reference = {"$ref": f"#/components/schemas/{name}"}
    if "null" in types:
        return {"anyOf": [reference, {"type": "null"}]}
    return reference


def document_conditional_requests(spec):
    """The ETag header and If-None-Match parameter components, described truthfully."""
    spec.components.parameter("IF_NONE_MATCH", "header", IF_NONE_MATCH_PARAMETER, lazy=True)
    spec.components.header("ETAG", ETAG_HEADER, lazy=True)


def document_request_ids(spec):
    """The X-Request-ID header component, on every response (see api.web.blueprint)."""
    spec.components.header("REQUEST_ID", REQUEST_ID_HEADER, lazy=True)


def document_rate_limits(spec):
    """The rate-limit header components and the 429 problem response."""
    for component, header in RATE_LIMIT_HEADERS.values():
        spec.components.header(component, header, lazy=True)
    spec.components.header("RETRY_AFTER", RETRY_AFTER_HEADER, lazy=True)
    spec.components.response(
        RATE_LIMITED_RESPONSE,
        {
            "description": "Too many requests from this client: its budget for the current "
            "window is spent. The problem's `detail` states the limit; wait `Retry-After` "
            "seconds.",
            # Header components by name: apispec resolves (and registers) each one used.
            "headers": {
                "Retry-After": "RETRY_AFTER",
                "X-Request-ID": "REQUEST_ID",
                **{name: component for name, (component, _) in RATE_LIMIT_HEADERS.items()},
            },
            "content": {"application/problem+json": {"schema": ProblemSchema}},
        },
        lazy=True,
    )


def init_openapi(api):
    """Teach flask-smorest's spec the named enums and the rate-limit documentation."""
    api.ma_plugin.converter.add_attribute_function(named_enum)
    document_rate_limits(api.spec)
    document_request_ids(api.spec)

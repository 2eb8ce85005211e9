"""Flask's JSON provider backed by orjson: the same JSON, produced several times faster."""

import orjson
from flask.json.provider import JSONProvider


class OrjsonProvider(JSONProvider):
    """Serialise with orjson; UTF-8 output, non-ASCII characters left as they are."""

    def dumps(self, obj, **kwargs):
        """Serialise `obj` to a JSON string; `indent` (2 only) and `sort_keys` are honoured."""
        # Validation messages for list items are keyed by index (an int).
        option = orjson.OPT_NON_STR_KEYS
        if kwargs.get("indent"):
            option |= orjson.OPT_INDENT_2
        if kwargs.get("sort_keys"):
            option |= orjson.OPT_SORT_KEYS
        return orjson.dumps(obj, option=option).decode("utf-8")

    def loads(self, s, **kwargs):
        """Parse a JSON string or bytes."""
        return orjson.loads(s)

    def response(self, *args, **kwargs):
        """A response whose body is the JSON of the argument(s), like `flask.jsonify`."""
        obj = self._prepare_response_obj(args, kwargs)
        body = orjson.dumps(obj, option=orjson.OPT_NON_STR_KEYS)
        return self._app.response_class(body, mimetype="application/json")

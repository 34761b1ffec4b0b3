"""Connexion validators that report every bad field and turn undecodable bodies into 400s."""

from __future__ import annotations

import json
import typing as t

from connexion.datastructures import MediaTypeDict
from connexion.json_schema import Draft4RequestValidator, Draft4ResponseValidator, allow_nullable
from connexion.validators import (
    VALIDATOR_MAP,
    JSONRequestBodyValidator,
    JSONResponseBodyValidator,
    ParameterValidator,
)
from jsonschema import Draft4Validator, ValidationError
from jsonschema.validators import extend

from tasktracker import errors


def _field(prefix: str, error: ValidationError) -> str:
    path = [str(p) for p in error.absolute_path]
    if error.validator == "required":
        # jsonschema reports a missing property at its parent; name the property itself.
        missing = error.message.split("'")[1] if "'" in error.message else ""
        path.append(missing)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        path.append(",".join(extra))
    return ".".join([prefix, *path]) if path else prefix


def _message(error: ValidationError) -> str:
    message = error.message
    # Never echo a huge or binary value back: jsonschema puts the instance into its messages.
    return message if len(message) <= 300 else message[:300] + "..."


class EnvelopeJSONBodyValidator(JSONRequestBodyValidator):
    @property
    def _validator(self) -> Draft4Validator:
        return Draft4RequestValidator(self._schema, format_checker=Draft4Validator.FORMAT_CHECKER)

    async def _parse(self, stream: t.AsyncGenerator[bytes, None], scope: t.Any) -> t.Any:
        raw = b"".join([chunk async for chunk in stream])
        if not raw:
            return None
        try:
            body = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
        except UnicodeDecodeError:
            raise errors.validation_error(
                "The body is not valid UTF-8.", [{"field": "body", "message": "not UTF-8"}]
            ) from None
        except (json.JSONDecodeError, ValueError) as e:
            raise errors.validation_error(
                "The body is not valid JSON.", [{"field": "body", "message": str(e)[:200]}]
            ) from None
        except RecursionError:
            raise errors.validation_error(
                "The body is nested too deeply.", [{"field": "body", "message": "too deep"}]
            ) from None
        if _has_lone_surrogate(body):
            # "\ud800" is valid JSON but no text: stored, it breaks the clients that decode it (and real DynamoDB).
            raise errors.validation_error(
                "The body has a lone UTF-16 surrogate escape, which is not text.",
                [{"field": "body", "message": "lone surrogate (\\ud800-\\udfff without its pair)"}],
            )
        return body

    def _validate(self, body: t.Any) -> None:
        if body is None:
            raise errors.validation_error("A JSON body is required.", [{"field": "body", "message": "missing"}])
        found = sorted(self._validator.iter_errors(body), key=lambda e: list(map(str, e.absolute_path)))
        if found:
            details = [{"field": _field("body", e), "message": _message(e)} for e in found]
            raise errors.validation_error("The body does not match the schema.", details)


def _has_lone_surrogate(body: t.Any) -> bool:
    try:
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _reject_constant(name: str) -> t.NoReturn:
    raise ValueError(f"{name} is not valid JSON")


class EnvelopeParameterValidator(ParameterValidator):
    def validate_request(self, request: t.Any) -> None:
        details: list[dict[str, str]] = []
        if self.strict_validation:
            for name in self.validate_query_parameter_list(request, security_params=self.security_query_params):
                details.append({"field": f"query.{name}", "message": "unknown parameter"})
        for where, check in (
            ("query", self.validate_query_parameter),
            ("path", self.validate_path_parameter),
            ("header", self.validate_header_parameter),
        ):
            for param in self.parameters.get(where, []):
                error = check(param, request)
                if error:
                    details.append({"field": f"{where}.{param['name']}", "message": str(error)[:300]})
        if details:
            raise errors.validation_error("The request parameters are not valid.", details)


# The spec writes a nullable $ref'd object as `allOf: [$ref] + nullable: true` (OpenAPI 3.0 has no null type, and
# API Gateway cannot import anyOf). Connexion honours `nullable` on `type` and `enum` only, so its response
# validator rejected `"task": null` in batch results (found by Schemathesis through the Lambda handler).
_NullableAllOfResponseValidator = extend(
    Draft4ResponseValidator, {"allOf": allow_nullable(Draft4Validator.VALIDATORS["allOf"])}
)


class EnvelopeJSONResponseBodyValidator(JSONResponseBodyValidator):
    @property
    def validator(self) -> Draft4Validator:
        return _NullableAllOfResponseValidator(self._schema, format_checker=Draft4Validator.FORMAT_CHECKER)


VALIDATORS = {
    **VALIDATOR_MAP,
    "parameter": EnvelopeParameterValidator,
    "body": MediaTypeDict({"*/*json": EnvelopeJSONBodyValidator}),
    "response": MediaTypeDict({**VALIDATOR_MAP["response"], "*/*json": EnvelopeJSONResponseBodyValidator}),
}

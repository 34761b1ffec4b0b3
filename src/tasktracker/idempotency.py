"""Idempotency-Key on POSTs: Powertools idempotency with DynamoDB persistence, keyed per user and operation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tasktracker import errors
from tasktracker.observability import logger

KEY_TTL_SECONDS = 24 * 3600
# Outside Lambda there is no invocation deadline; an in-flight record still expires this long after it started,
# so a process killed mid-request does not lock its key for a day.
LOCAL_IN_FLIGHT_SECONDS = 30

Response = tuple[Any, int, dict[str, str]]


class _LocalDeadline:
    """Stands in for the Lambda context Powertools reads the remaining time from."""

    def get_remaining_time_in_millis(self) -> int:
        return LOCAL_IN_FLIGHT_SECONDS * 1000


class IdempotencyGuard:
    def __init__(self, table_name: str, client: Any) -> None:
        self.table_name = table_name
        self.client = client
        self._run: Callable[..., list[Any]] | None = None
        self._config: Any = None
        self._lambda_context: Any = None

    def register_lambda_context(self, context: Any) -> None:
        """This invocation's deadline bounds its in-flight records. Kept until a key arrives, so that a POST
        without one does not set up Powertools idempotency (~3 ms of CPU at a cold start, make bench-profile)."""
        self._lambda_context = context
        if self._config is not None:
            self._config.register_lambda_context(context)

    def _setup(self) -> Callable[..., list[Any]]:
        if self._run is None:
            # Imported on first use: functions that never see an Idempotency-Key never pay for it.
            from aws_lambda_powertools.utilities.idempotency import (
                DynamoDBPersistenceLayer,
                IdempotencyConfig,
                idempotent_function,
            )

            def mark_replayed(response: list[Any], _record: Any) -> list[Any]:
                response[2] = {**response[2], "Idempotent-Replayed": "true"}
                return response

            self._config = IdempotencyConfig(
                event_key_jmespath="[user, operation, key]",
                payload_validation_jmespath="body",
                raise_on_no_idempotency_key=True,
                expires_after_seconds=KEY_TTL_SECONDS,
                lambda_context=_LocalDeadline(),
                response_hook=mark_replayed,
            )
            if self._lambda_context is not None:
                self._config.register_lambda_context(self._lambda_context)
            layer = DynamoDBPersistenceLayer(table_name=self.table_name, boto3_client=self.client)

            @idempotent_function(data_keyword_argument="request", persistence_store=layer, config=self._config)
            def run(request: dict[str, Any], execute: Callable[[], Response]) -> list[Any]:
                body, status, headers = execute()
                return [body, status, headers]

            self._run = run
        return self._run

    def __call__(
        self, key: str | None, *, user: str, operation: str, body: Any, execute: Callable[[], Response]
    ) -> Response:
        if key is None:
            return execute()
        from aws_lambda_powertools.utilities.idempotency.exceptions import (
            IdempotencyAlreadyInProgressError,
            IdempotencyPersistenceLayerError,
            IdempotencyValidationError,
        )

        request = {"user": user, "operation": operation, "key": key, "body": body}
        done: list[Response] = []

        def execute_once() -> Response:
            done.append(execute())
            return done[0]

        try:
            out_body, status, headers = self._setup()(request=request, execute=execute_once)
        except IdempotencyValidationError:
            raise errors.ApiError(
                "IDEMPOTENCY_KEY_REUSED",
                "This Idempotency-Key was already used with a different body.",
                [{"field": "header.Idempotency-Key", "message": "reused with another body"}],
            ) from None
        except IdempotencyAlreadyInProgressError:
            raise errors.ApiError(
                "REQUEST_IN_PROGRESS",
                "A request with this Idempotency-Key is still running; retry shortly.",
                headers={"Retry-After": "1"},
            ) from None
        except IdempotencyPersistenceLayerError:
            if done:
                # The request ran and its writes are stored; only saving its answer for replays failed. A 503 now
                # would make the client retry and run it again: answer it (the key stays "in progress" until its
                # in-flight expiry, then a retry runs anew).
                logger.warning("idempotency record not saved", extra={"operation": operation})
                return done[0]
            raise errors.service_unavailable() from None
        return out_body, status, headers

from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.task_batch_result import TaskBatchResult
from ...models.task_bulk_action import TaskBulkAction
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: TaskBulkAction,
    x_correlation_id: str | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(x_correlation_id, Unset):
        headers["X-Correlation-Id"] = x_correlation_id

    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/tasks/bulk",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Error | TaskBatchResult | None:
    if response.status_code == 200:
        response_200 = TaskBatchResult.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Error.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Error.from_dict(response.json())

        return response_401

    if response.status_code == 409:
        response_409 = Error.from_dict(response.json())

        return response_409

    if response.status_code == 413:
        response_413 = Error.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = Error.from_dict(response.json())

        return response_415

    if response.status_code == 422:
        response_422 = Error.from_dict(response.json())

        return response_422

    if response.status_code == 500:
        response_500 = Error.from_dict(response.json())

        return response_500

    if response.status_code == 503:
        response_503 = Error.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Error | TaskBatchResult]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: TaskBulkAction,
    x_correlation_id: str | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Response[Error | TaskBatchResult]:
    """Complete, reopen or delete up to 100 tasks by id

     Not atomic as a whole: each id gets its own result (200 with the task, 204 for a delete, 404 for an
    id
    that is not the caller's, 409 when a concurrent write kept changing it). The tasks are read in one
    BatchGetItem and written in TransactWriteItems chunks (category counts updated in the same chunk);
    a chunk that loses a race is redone task by task. Completing a completed task changes nothing.

    Args:
        x_correlation_id (str | Unset):
        idempotency_key (str | Unset):
        body (TaskBulkAction):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | TaskBatchResult]
    """

    kwargs = _get_kwargs(
        body=body,
        x_correlation_id=x_correlation_id,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: TaskBulkAction,
    x_correlation_id: str | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Error | TaskBatchResult | None:
    """Complete, reopen or delete up to 100 tasks by id

     Not atomic as a whole: each id gets its own result (200 with the task, 204 for a delete, 404 for an
    id
    that is not the caller's, 409 when a concurrent write kept changing it). The tasks are read in one
    BatchGetItem and written in TransactWriteItems chunks (category counts updated in the same chunk);
    a chunk that loses a race is redone task by task. Completing a completed task changes nothing.

    Args:
        x_correlation_id (str | Unset):
        idempotency_key (str | Unset):
        body (TaskBulkAction):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | TaskBatchResult
    """

    return sync_detailed(
        client=client,
        body=body,
        x_correlation_id=x_correlation_id,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: TaskBulkAction,
    x_correlation_id: str | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Response[Error | TaskBatchResult]:
    """Complete, reopen or delete up to 100 tasks by id

     Not atomic as a whole: each id gets its own result (200 with the task, 204 for a delete, 404 for an
    id
    that is not the caller's, 409 when a concurrent write kept changing it). The tasks are read in one
    BatchGetItem and written in TransactWriteItems chunks (category counts updated in the same chunk);
    a chunk that loses a race is redone task by task. Completing a completed task changes nothing.

    Args:
        x_correlation_id (str | Unset):
        idempotency_key (str | Unset):
        body (TaskBulkAction):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | TaskBatchResult]
    """

    kwargs = _get_kwargs(
        body=body,
        x_correlation_id=x_correlation_id,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: TaskBulkAction,
    x_correlation_id: str | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Error | TaskBatchResult | None:
    """Complete, reopen or delete up to 100 tasks by id

     Not atomic as a whole: each id gets its own result (200 with the task, 204 for a delete, 404 for an
    id
    that is not the caller's, 409 when a concurrent write kept changing it). The tasks are read in one
    BatchGetItem and written in TransactWriteItems chunks (category counts updated in the same chunk);
    a chunk that loses a race is redone task by task. Completing a completed task changes nothing.

    Args:
        x_correlation_id (str | Unset):
        idempotency_key (str | Unset):
        body (TaskBulkAction):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | TaskBatchResult
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            x_correlation_id=x_correlation_id,
            idempotency_key=idempotency_key,
        )
    ).parsed

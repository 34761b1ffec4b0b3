import datetime
from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.priority import Priority
from ...models.task_list import TaskList
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    completed: bool | Unset = UNSET,
    priority: Priority | Unset = UNSET,
    category_id: str | Unset = UNSET,
    due_before: datetime.datetime | Unset = UNSET,
    due_after: datetime.datetime | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    x_correlation_id: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(x_correlation_id, Unset):
        headers["X-Correlation-Id"] = x_correlation_id

    params: dict[str, Any] = {}

    params["completed"] = completed

    json_priority: str | Unset = UNSET
    if not isinstance(priority, Unset):
        json_priority = priority.value

    params["priority"] = json_priority

    params["categoryId"] = category_id

    json_due_before: str | Unset = UNSET
    if not isinstance(due_before, Unset):
        json_due_before = due_before.isoformat()
    params["dueBefore"] = json_due_before

    json_due_after: str | Unset = UNSET
    if not isinstance(due_after, Unset):
        json_due_after = due_after.isoformat()
    params["dueAfter"] = json_due_after

    params["limit"] = limit

    params["cursor"] = cursor

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/tasks",
        "params": params,
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Error | TaskList | None:
    if response.status_code == 200:
        response_200 = TaskList.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Error.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Error.from_dict(response.json())

        return response_401

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Error | TaskList]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    completed: bool | Unset = UNSET,
    priority: Priority | Unset = UNSET,
    category_id: str | Unset = UNSET,
    due_before: datetime.datetime | Unset = UNSET,
    due_after: datetime.datetime | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    x_correlation_id: str | Unset = UNSET,
) -> Response[Error | TaskList]:
    """List the caller's tasks, newest first

    Args:
        completed (bool | Unset):
        priority (Priority | Unset):
        category_id (str | Unset): A time-ordered id (ULID, Crockford base32).
        due_before (datetime.datetime | Unset):
        due_after (datetime.datetime | Unset):
        limit (int | Unset):
        cursor (str | Unset):
        x_correlation_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | TaskList]
    """

    kwargs = _get_kwargs(
        completed=completed,
        priority=priority,
        category_id=category_id,
        due_before=due_before,
        due_after=due_after,
        limit=limit,
        cursor=cursor,
        x_correlation_id=x_correlation_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    completed: bool | Unset = UNSET,
    priority: Priority | Unset = UNSET,
    category_id: str | Unset = UNSET,
    due_before: datetime.datetime | Unset = UNSET,
    due_after: datetime.datetime | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    x_correlation_id: str | Unset = UNSET,
) -> Error | TaskList | None:
    """List the caller's tasks, newest first

    Args:
        completed (bool | Unset):
        priority (Priority | Unset):
        category_id (str | Unset): A time-ordered id (ULID, Crockford base32).
        due_before (datetime.datetime | Unset):
        due_after (datetime.datetime | Unset):
        limit (int | Unset):
        cursor (str | Unset):
        x_correlation_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | TaskList
    """

    return sync_detailed(
        client=client,
        completed=completed,
        priority=priority,
        category_id=category_id,
        due_before=due_before,
        due_after=due_after,
        limit=limit,
        cursor=cursor,
        x_correlation_id=x_correlation_id,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    completed: bool | Unset = UNSET,
    priority: Priority | Unset = UNSET,
    category_id: str | Unset = UNSET,
    due_before: datetime.datetime | Unset = UNSET,
    due_after: datetime.datetime | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    x_correlation_id: str | Unset = UNSET,
) -> Response[Error | TaskList]:
    """List the caller's tasks, newest first

    Args:
        completed (bool | Unset):
        priority (Priority | Unset):
        category_id (str | Unset): A time-ordered id (ULID, Crockford base32).
        due_before (datetime.datetime | Unset):
        due_after (datetime.datetime | Unset):
        limit (int | Unset):
        cursor (str | Unset):
        x_correlation_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | TaskList]
    """

    kwargs = _get_kwargs(
        completed=completed,
        priority=priority,
        category_id=category_id,
        due_before=due_before,
        due_after=due_after,
        limit=limit,
        cursor=cursor,
        x_correlation_id=x_correlation_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    completed: bool | Unset = UNSET,
    priority: Priority | Unset = UNSET,
    category_id: str | Unset = UNSET,
    due_before: datetime.datetime | Unset = UNSET,
    due_after: datetime.datetime | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    x_correlation_id: str | Unset = UNSET,
) -> Error | TaskList | None:
    """List the caller's tasks, newest first

    Args:
        completed (bool | Unset):
        priority (Priority | Unset):
        category_id (str | Unset): A time-ordered id (ULID, Crockford base32).
        due_before (datetime.datetime | Unset):
        due_after (datetime.datetime | Unset):
        limit (int | Unset):
        cursor (str | Unset):
        x_correlation_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | TaskList
    """

    return (
        await asyncio_detailed(
            client=client,
            completed=completed,
            priority=priority,
            category_id=category_id,
            due_before=due_before,
            due_after=due_after,
            limit=limit,
            cursor=cursor,
            x_correlation_id=x_correlation_id,
        )
    ).parsed

from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.category import Category
from ...models.category_update import CategoryUpdate
from ...models.error import Error
from ...types import UNSET, Response, Unset


def _get_kwargs(
    category_id: str,
    *,
    body: CategoryUpdate,
    x_correlation_id: str | Unset = UNSET,
    if_match: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(x_correlation_id, Unset):
        headers["X-Correlation-Id"] = x_correlation_id

    if not isinstance(if_match, Unset):
        headers["If-Match"] = if_match

    _kwargs: dict[str, Any] = {
        "method": "put",
        "url": "/categories/{category_id}".format(
            category_id=quote(str(category_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Category | Error | None:
    if response.status_code == 200:
        response_200 = Category.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Error.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Error.from_dict(response.json())

        return response_401

    if response.status_code == 404:
        response_404 = Error.from_dict(response.json())

        return response_404

    if response.status_code == 409:
        response_409 = Error.from_dict(response.json())

        return response_409

    if response.status_code == 412:
        response_412 = Error.from_dict(response.json())

        return response_412

    if response.status_code == 413:
        response_413 = Error.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = Error.from_dict(response.json())

        return response_415

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Category | Error]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    category_id: str,
    *,
    client: AuthenticatedClient,
    body: CategoryUpdate,
    x_correlation_id: str | Unset = UNSET,
    if_match: str | Unset = UNSET,
) -> Response[Category | Error]:
    """Update name, color or icon (the fields given; null clears icon)

    Args:
        category_id (str): A time-ordered id (ULID, Crockford base32).
        x_correlation_id (str | Unset):
        if_match (str | Unset):
        body (CategoryUpdate): The fields to change (at least one); null clears icon.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Category | Error]
    """

    kwargs = _get_kwargs(
        category_id=category_id,
        body=body,
        x_correlation_id=x_correlation_id,
        if_match=if_match,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    category_id: str,
    *,
    client: AuthenticatedClient,
    body: CategoryUpdate,
    x_correlation_id: str | Unset = UNSET,
    if_match: str | Unset = UNSET,
) -> Category | Error | None:
    """Update name, color or icon (the fields given; null clears icon)

    Args:
        category_id (str): A time-ordered id (ULID, Crockford base32).
        x_correlation_id (str | Unset):
        if_match (str | Unset):
        body (CategoryUpdate): The fields to change (at least one); null clears icon.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Category | Error
    """

    return sync_detailed(
        category_id=category_id,
        client=client,
        body=body,
        x_correlation_id=x_correlation_id,
        if_match=if_match,
    ).parsed


async def asyncio_detailed(
    category_id: str,
    *,
    client: AuthenticatedClient,
    body: CategoryUpdate,
    x_correlation_id: str | Unset = UNSET,
    if_match: str | Unset = UNSET,
) -> Response[Category | Error]:
    """Update name, color or icon (the fields given; null clears icon)

    Args:
        category_id (str): A time-ordered id (ULID, Crockford base32).
        x_correlation_id (str | Unset):
        if_match (str | Unset):
        body (CategoryUpdate): The fields to change (at least one); null clears icon.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Category | Error]
    """

    kwargs = _get_kwargs(
        category_id=category_id,
        body=body,
        x_correlation_id=x_correlation_id,
        if_match=if_match,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    category_id: str,
    *,
    client: AuthenticatedClient,
    body: CategoryUpdate,
    x_correlation_id: str | Unset = UNSET,
    if_match: str | Unset = UNSET,
) -> Category | Error | None:
    """Update name, color or icon (the fields given; null clears icon)

    Args:
        category_id (str): A time-ordered id (ULID, Crockford base32).
        x_correlation_id (str | Unset):
        if_match (str | Unset):
        body (CategoryUpdate): The fields to change (at least one); null clears icon.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Category | Error
    """

    return (
        await asyncio_detailed(
            category_id=category_id,
            client=client,
            body=body,
            x_correlation_id=x_correlation_id,
            if_match=if_match,
        )
    ).parsed

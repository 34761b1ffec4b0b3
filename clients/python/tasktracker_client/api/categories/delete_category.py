from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.delete_category_cascade import DeleteCategoryCascade
from ...models.error import Error
from ...types import UNSET, Response, Unset


def _get_kwargs(
    category_id: str,
    *,
    cascade: DeleteCategoryCascade | Unset = UNSET,
    x_correlation_id: str | Unset = UNSET,
    if_match: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(x_correlation_id, Unset):
        headers["X-Correlation-Id"] = x_correlation_id

    if not isinstance(if_match, Unset):
        headers["If-Match"] = if_match

    params: dict[str, Any] = {}

    json_cascade: str | Unset = UNSET
    if not isinstance(cascade, Unset):
        json_cascade = cascade.value

    params["cascade"] = json_cascade

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "delete",
        "url": "/categories/{category_id}".format(
            category_id=quote(str(category_id), safe=""),
        ),
        "params": params,
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Any | Error | None:
    if response.status_code == 204:
        response_204 = cast(Any, None)
        return response_204

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Any | Error]:
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
    cascade: DeleteCategoryCascade | Unset = UNSET,
    x_correlation_id: str | Unset = UNSET,
    if_match: str | Unset = UNSET,
) -> Response[Any | Error]:
    """Delete an empty category (409 CATEGORY_NOT_EMPTY while tasks are in it)

    Args:
        category_id (str): A time-ordered id (ULID, Crockford base32).
        cascade (DeleteCategoryCascade | Unset):
        x_correlation_id (str | Unset):
        if_match (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | Error]
    """

    kwargs = _get_kwargs(
        category_id=category_id,
        cascade=cascade,
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
    cascade: DeleteCategoryCascade | Unset = UNSET,
    x_correlation_id: str | Unset = UNSET,
    if_match: str | Unset = UNSET,
) -> Any | Error | None:
    """Delete an empty category (409 CATEGORY_NOT_EMPTY while tasks are in it)

    Args:
        category_id (str): A time-ordered id (ULID, Crockford base32).
        cascade (DeleteCategoryCascade | Unset):
        x_correlation_id (str | Unset):
        if_match (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | Error
    """

    return sync_detailed(
        category_id=category_id,
        client=client,
        cascade=cascade,
        x_correlation_id=x_correlation_id,
        if_match=if_match,
    ).parsed


async def asyncio_detailed(
    category_id: str,
    *,
    client: AuthenticatedClient,
    cascade: DeleteCategoryCascade | Unset = UNSET,
    x_correlation_id: str | Unset = UNSET,
    if_match: str | Unset = UNSET,
) -> Response[Any | Error]:
    """Delete an empty category (409 CATEGORY_NOT_EMPTY while tasks are in it)

    Args:
        category_id (str): A time-ordered id (ULID, Crockford base32).
        cascade (DeleteCategoryCascade | Unset):
        x_correlation_id (str | Unset):
        if_match (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | Error]
    """

    kwargs = _get_kwargs(
        category_id=category_id,
        cascade=cascade,
        x_correlation_id=x_correlation_id,
        if_match=if_match,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    category_id: str,
    *,
    client: AuthenticatedClient,
    cascade: DeleteCategoryCascade | Unset = UNSET,
    x_correlation_id: str | Unset = UNSET,
    if_match: str | Unset = UNSET,
) -> Any | Error | None:
    """Delete an empty category (409 CATEGORY_NOT_EMPTY while tasks are in it)

    Args:
        category_id (str): A time-ordered id (ULID, Crockford base32).
        cascade (DeleteCategoryCascade | Unset):
        x_correlation_id (str | Unset):
        if_match (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | Error
    """

    return (
        await asyncio_detailed(
            category_id=category_id,
            client=client,
            cascade=cascade,
            x_correlation_id=x_correlation_id,
            if_match=if_match,
        )
    ).parsed

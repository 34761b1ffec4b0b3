"""Who is calling: the API key's owner, never a user named in the request."""

from __future__ import annotations

import hmac
from typing import Any

from tasktracker import wiring


def _lookup(keys: dict[str, str], token: str) -> str | None:
    # Compare against every key in constant time, so timing does not reveal key prefixes.
    found = None
    for key, user in keys.items():
        if hmac.compare_digest(key.encode(), token.encode()):
            found = user
    return found


def api_key_info(token: str, required_scopes: Any = None, request: Any = None) -> dict[str, str] | None:
    """Connexion's x-apikeyInfoFunc: returns {'sub': user} or None (-> 401)."""
    settings = wiring.settings()
    event = request.scope.get("aws.event") if request is not None else None
    if event is not None:
        # Deployed: API Gateway has already validated the key; the user is the key's id.
        identity = (event.get("requestContext") or {}).get("identity") or {}
        if identity.get("apiKeyId"):
            return {"sub": identity["apiKeyId"]}
        # Only `sam local` (which fills no apiKeyId) sets this map; a deployed stack never does.
        user = _lookup(settings.local_lambda_api_keys, token)
        return {"sub": user} if user else None
    user = _lookup(settings.api_keys, token)
    return {"sub": user} if user else None

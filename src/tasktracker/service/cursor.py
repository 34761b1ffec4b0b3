"""Opaque, signed pagination cursors bound to the user, the resource and the filters."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any

from tasktracker import errors


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class CursorCodec:
    def __init__(self, secret: bytes | Callable[[], bytes]) -> None:
        # A callable is resolved on first use, so functions that never paginate never fetch the secret.
        self._source = secret
        self._secret: bytes | None = None

    @property
    def secret(self) -> bytes:
        if self._secret is None:
            secret = self._source() if callable(self._source) else self._source
            if len(secret) < 16:
                raise ValueError("the cursor secret must be at least 16 bytes")
            self._secret = secret
        return self._secret

    def _mac(self, user_id: str, scope: dict[str, Any], payload: bytes) -> bytes:
        bound = json.dumps([user_id, scope], sort_keys=True, separators=(",", ":")).encode()
        return hmac.new(self.secret, bound + b"\0" + payload, hashlib.sha256).digest()

    def encode(self, user_id: str, scope: dict[str, Any], key: dict[str, Any] | None) -> str | None:
        if key is None:
            return None
        payload = json.dumps(key, sort_keys=True, separators=(",", ":")).encode()
        return f"{_b64(payload)}.{_b64(self._mac(user_id, scope, payload))}"

    def decode(
        self, user_id: str, scope: dict[str, Any], cursor: str | None, key_attrs: tuple[str, ...]
    ) -> dict[str, Any] | None:
        """The start key, or INVALID_CURSOR if the cursor was altered or made for another user or filters."""
        if cursor is None:
            return None
        try:
            payload_part, mac_part = cursor.split(".")
            payload, mac = _unb64(payload_part), _unb64(mac_part)
        except (ValueError, binascii.Error):
            raise errors.invalid_cursor() from None
        if not hmac.compare_digest(mac, self._mac(user_id, scope, payload)):
            raise errors.invalid_cursor()
        try:
            key = json.loads(payload)
        except ValueError:  # signed but not JSON (another release's format, say): still the caller's 400
            raise errors.invalid_cursor() from None
        if not isinstance(key, dict) or set(key) != set(key_attrs) or key.get("userId") != user_id:
            raise errors.invalid_cursor()
        if not all(isinstance(v, str) for v in key.values()):  # every key attribute is a string
            raise errors.invalid_cursor()
        return key

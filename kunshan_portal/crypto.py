"""Personal data at rest: identity numbers encrypted (Fernet, rotatable keys) and found by a keyed hash.

KUNSHAN_ID_KEYS: comma-separated Fernet keys, the first encrypts, all decrypt (rotation: put the new key
first, re-encrypt, then drop the old one). KUNSHAN_ID_HASH_KEY: the secret of the look-up hash. In
development both fall back to keys derived from SECRET_KEY; production refuses to start without them.
"""

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def _derived_key(purpose: str) -> bytes:
    digest = hashlib.sha256(f"{purpose}:{settings.SECRET_KEY}".encode()).digest()
    return base64.urlsafe_b64encode(digest)


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode() if isinstance(key, str) else key) for key in keys])


def _keys() -> tuple[str, ...]:
    keys = tuple(k.strip() for k in settings.KUNSHAN_ID_KEYS if k.strip())
    if keys:
        return keys
    if settings.PRODUCTION:
        raise ImproperlyConfigured("KUNSHAN_ID_KEYS must be set in production.")
    return (_derived_key("id-encryption").decode(),)


def _hash_key() -> bytes:
    if settings.KUNSHAN_ID_HASH_KEY:
        return settings.KUNSHAN_ID_HASH_KEY.encode()
    if settings.PRODUCTION:
        raise ImproperlyConfigured("KUNSHAN_ID_HASH_KEY must be set in production.")
    return _derived_key("id-lookup")


def encrypt(value: str) -> str:
    return _fernet(_keys()).encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet(_keys()).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "An identity number cannot be decrypted with the configured keys."
        ) from exc


def reencrypt(token: str) -> str:
    """The same value under the current first key (for key rotation)."""
    return _fernet(_keys()).rotate(token.encode()).decode()


def lookup_hash(value: str) -> str:
    """A keyed hash of a normalised identity number: equal numbers, equal hashes; no way back."""
    return hmac.new(_hash_key(), value.strip().upper().encode(), hashlib.sha256).hexdigest()


def mask_id_number(value: str) -> str:
    """3205**********123X: region prefix and last four, the rest hidden."""
    return f"{value[:4]}{'*' * (len(value) - 8)}{value[-4:]}" if len(value) > 8 else "*" * len(value)

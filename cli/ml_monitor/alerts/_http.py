"""POST JSON and classify the outcome: 2xx ok; 429/5xx/408/timeouts/refused retryable; other 4xx config error."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from typing import Any

from ml_monitor import __version__
from ml_monitor.alerts.base import DeliveryError

RETRYABLE_STATUS = {408, 425, 429}


def _retry_after(headers: Any) -> float | None:
    try:
        value = headers.get("Retry-After") if headers is not None else None
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def post_json(url: str, payload: Any, timeout: float, headers: dict[str, str] | None = None,
              what: str = "endpoint") -> int:
    """POST `payload` as JSON; return the HTTP status or raise DeliveryError.

    Error messages never contain the URL (it often embeds a secret token).
    """
    body = json.dumps(payload, default=str).encode("utf-8")
    all_headers = {"Content-Type": "application/json", "User-Agent": f"ml-monitor/{__version__}"}
    all_headers.update(headers or {})
    request = urllib.request.Request(url, data=body, headers=all_headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as e:
        try:
            text = e.read(300).decode("utf-8", "replace").strip()
        except Exception:  # noqa: BLE001 - the body is only informative
            text = ""
        detail = f"HTTP {e.code} from {what}" + (f": {text}" if text else "")
        if e.code in RETRYABLE_STATUS or e.code >= 500:
            raise DeliveryError(detail, retryable=True, retry_after=_retry_after(e.headers)) from None
        raise DeliveryError(detail + " (configuration error: check the channel's url and credentials)",
                            retryable=False) from None
    except (socket.timeout, TimeoutError):
        raise DeliveryError(f"timed out after {timeout:g}s waiting for {what}", retryable=True) from None
    except urllib.error.URLError as e:
        reason = e.reason
        if isinstance(reason, (socket.timeout, TimeoutError)):
            raise DeliveryError(f"timed out after {timeout:g}s waiting for {what}", retryable=True) from None
        raise DeliveryError(f"cannot reach {what}: {reason}", retryable=True) from None
    except (ConnectionError, OSError) as e:
        raise DeliveryError(f"cannot reach {what}: {e.__class__.__name__}: {e}", retryable=True) from None
    except ValueError as e:  # malformed URL
        raise DeliveryError(f"invalid url for {what} ({e.__class__.__name__})", retryable=False) from None

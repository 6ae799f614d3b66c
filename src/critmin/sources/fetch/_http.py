"""A small HTTP GET client on the standard library: timeouts, retries, backoff, ``Retry-After``, rate limit.

Used only by the fetchers (``critmin data fetch``); never imported by ``import critmin``.

Notes
-----
* Retried: HTTP 429 (too many requests), 500, 502, 503, 504, connection errors and timeouts. The wait
  before retry *n* (1-based) is the server's ``Retry-After`` (seconds or an HTTP date) when it sends one,
  else ``backoff * 2**(n-1)`` seconds, capped at ``max_backoff``. A ``Retry-After`` longer than
  ``max_retry_after`` is not waited for: the call fails at once and says how long the server asked for.
* Not retried: every other 4xx (a bad query or a refused key does not heal by waiting).
* Calls through one client are spaced by at least ``min_interval`` seconds (the API's rate limit).
* ``sleep`` and ``clock`` are injectable so that tests run without waiting.
* Errors are :class:`FetchError` (a :class:`~critmin.errors.CritminError`): one line naming the URL,
  the status and what to do. Headers (an API key) never appear in a message.
"""

from __future__ import annotations

import email.utils
import http.client
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from critmin.errors import CritminError

__all__ = ["FetchError", "HttpError", "Response", "HttpClient", "RETRY_STATUS"]

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
"""HTTP statuses that are retried."""


class FetchError(CritminError):
    """A download failed, or what came back is not what the fetcher expects (one-line message)."""


class HttpError(FetchError):
    """The server answered with an HTTP error status (after any retries).

    Parameters
    ----------
    message : str
        The one-line message.
    url : str
        The URL asked for.
    status : int or None
        The HTTP status (None for a connection error or a timeout).
    attempts : int
        How many times the URL was asked for.
    """

    def __init__(self, message: str, *, url: str, status: int | None, attempts: int) -> None:
        super().__init__(message)
        self.url = url
        self.status = status
        self.attempts = attempts


@dataclass
class Response:
    """A successful (2xx) response.

    Attributes
    ----------
    url : str
        The URL asked for.
    status : int
        HTTP status.
    headers : dict of str to str
        Response headers (names lower-cased).
    body : bytes
        The body, byte for byte.
    attempts : int
        How many times the URL was asked for (1 when the first call succeeded).
    waits : list of float
        The waits before each retry [s].
    """

    url: str
    status: int
    headers: dict[str, str]
    body: bytes
    attempts: int = 1
    waits: list[float] = field(default_factory=list)


def _retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date), else None."""
    if not value:
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - now)


def _snippet(body: bytes, limit: int = 160) -> str:
    text = body[:2000].decode("utf-8", errors="replace").strip().replace("\n", " ")
    return text[:limit] + ("..." if len(text) > limit else "")


_REASONS = {
    400: "the server refused the query (bad parameters)",
    401: "not authorised (a missing or refused API key)",
    403: "forbidden (a refused API key, or the file is not public)",
    404: "not found (the URL is wrong, or the release is not published yet)",
    429: "rate limit: the server asked to slow down",
}


class HttpClient:
    """GET with retries, backoff, ``Retry-After`` and a minimum interval between calls.

    Parameters
    ----------
    retries : int
        Retries after the first attempt (so at most ``retries + 1`` calls per URL).
    backoff : float
        Wait before the first retry when the server gives no ``Retry-After`` [s]; doubles each retry.
    max_backoff : float
        Longest backoff wait [s].
    max_retry_after : float
        Longest ``Retry-After`` that is waited for [s]; a longer one fails the call at once.
    timeout : float
        Socket timeout of one attempt [s] (connect and each read).
    min_interval : float
        Least time between the starts of two calls through this client [s] (rate limit).
    headers : mapping of str to str, optional
        Headers sent with every call (e.g. an API key); never shown in messages.
    sleep, clock : callable
        ``time.sleep`` and ``time.monotonic`` by default; tests pass fakes.
    opener : callable, optional
        ``urllib.request.urlopen`` by default.
    """

    def __init__(
        self,
        *,
        retries: int = 3,
        backoff: float = 2.0,
        max_backoff: float = 60.0,
        max_retry_after: float = 300.0,
        timeout: float = 60.0,
        min_interval: float = 0.0,
        headers: Mapping[str, str] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        opener: Callable[..., object] | None = None,
    ) -> None:
        from critmin import __version__

        self.retries = int(retries)
        self.backoff = float(backoff)
        self.max_backoff = float(max_backoff)
        self.max_retry_after = float(max_retry_after)
        self.timeout = float(timeout)
        self.min_interval = float(min_interval)
        self.headers = {"User-Agent": f"critmin/{__version__} (python urllib)",
                        "Accept": "*/*", **dict(headers or {})}
        self.sleep = sleep
        self.clock = clock
        self.opener = opener or urllib.request.urlopen
        self._last_start: float | None = None
        self.calls = 0  # attempts made through this client (each retry counts)

    def _pace(self) -> None:
        if self.min_interval > 0 and self._last_start is not None:
            wait = self.min_interval - (self.clock() - self._last_start)
            if wait > 0:
                self.sleep(wait)
        self._last_start = self.clock()

    def get(self, url: str, *, headers: Mapping[str, str] | None = None) -> Response:
        """GET ``url`` and return the body of a 2xx answer.

        Raises
        ------
        HttpError
            For a non-retried error status, for a retried one (429, 5xx), a connection error or a
            timeout that persists after ``retries`` retries, or a ``Retry-After`` longer than
            ``max_retry_after``.
        """
        hdrs = {**self.headers, **dict(headers or {})}
        waits: list[float] = []
        attempt = 0
        while True:
            attempt += 1
            self._pace()
            self.calls += 1
            status: int | None = None
            detail = ""
            retry_after: float | None = None
            try:
                req = urllib.request.Request(url, headers=hdrs, method="GET")
                with self.opener(req, timeout=self.timeout) as resp:  # type: ignore[attr-defined]
                    body = resp.read()
                    code = int(getattr(resp, "status", 200) or 200)
                    head = {k.lower(): v for k, v in resp.headers.items()}
                return Response(url=url, status=code, headers=head, body=body, attempts=attempt,
                                waits=waits)
            except urllib.error.HTTPError as exc:
                status = int(exc.code)
                try:
                    body = exc.read() or b""
                except OSError:
                    body = b""
                detail = _snippet(body)
                retry_after = _retry_after(exc.headers.get("Retry-After") if exc.headers else None,
                                           time.time())
                phrase = exc.reason if isinstance(exc.reason, str) and exc.reason else ""
                label = f"HTTP {status}" + (f" {phrase}" if phrase else "")
                if status not in RETRY_STATUS:
                    why = _REASONS.get(status, "the server refused the request")
                    raise HttpError(
                        f"{label} from {url}: {why}"
                        + (f"; the server said: {detail}" if detail else ""),
                        url=url, status=status, attempts=attempt) from None
            except (urllib.error.URLError, TimeoutError, ConnectionError, http.client.HTTPException) as exc:
                reason = getattr(exc, "reason", exc)
                detail = f"{type(reason).__name__}: {reason}" if str(reason) else type(reason).__name__
                label = ""
            if retry_after is not None and retry_after > self.max_retry_after:
                raise HttpError(
                    f"{label} from {url}: the server asks to wait {retry_after:.0f} s "
                    f"(Retry-After), more than the {self.max_retry_after:.0f} s critmin waits; "
                    "try again later", url=url, status=status, attempts=attempt)
            if attempt > self.retries:
                if status is None:
                    what = f"no answer from {url} ({detail})"
                elif status == 429:
                    what = f"{label} from {url}: {_REASONS[429]}"
                else:
                    what = f"{label} from {url}: the server failed"
                    if detail:
                        what += f" (it said: {detail})"
                raise HttpError(f"{what}, {attempt} attempts in all; try again later",
                                url=url, status=status, attempts=attempt)
            wait = retry_after if retry_after is not None else min(
                self.max_backoff, self.backoff * 2 ** (attempt - 1))
            waits.append(wait)
            self.sleep(wait)

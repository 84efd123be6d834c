"""Rate limiting as Chatwoot's Rack::Attack 6.7.0 does it (``config/initializers/rack_attack.rb``).

Fixed windows aligned to multiples of the period on the sandbox's clock (the cache key is
``(now / period).to_i``); each matching request is counted before the comparison, so request
``limit + 1`` of a window is the first refused. Throttles are checked in the order they were added
and the first one that trips stops the others from counting (``configuration.rb`` ``any?``). The
refusal is the gem's default responder: 429, ``text/plain``, ``Retry later\\n``, no Retry-After.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

THROTTLED_BODY = b"Retry later\n"


@dataclass
class Throttle:
    """``limit`` requests per ``period`` seconds on paths matching ``path`` (all when None), counted per
    account id (the number after /accounts/) when ``per_account``, else for the one client."""

    limit: int
    period: float
    path: re.Pattern[str] | None = None
    per_account: bool = False
    counts: dict[tuple[int, str], int] = field(default_factory=dict)

    def hit(self, path: str, now: float) -> bool:
        """Count a request; True if it is over the limit (the caller answers 429)."""
        if self.path is not None and not self.path.search(path):
            return False
        discriminator = "client"
        if self.per_account:
            account = re.search(r"/accounts/(\d+)", path)
            if account is None:
                return False  # Rack::Attack skips a request whose discriminator is nil
            discriminator = account.group(1)
        window = int(now // self.period)
        for key in [k for k in self.counts if k[0] != window]:
            del self.counts[key]  # the cache entry of an earlier window has expired
        key = (window, discriminator)
        self.counts[key] = self.counts.get(key, 0) + 1
        return self.counts[key] > self.limit


class RateLimiting:
    """The Sandbox's throttles: ``rate_limit=`` of the constructor (kept by ``reset()``) and ``throttle()``."""

    def throttle(
        self, limit: int, period: float = 60, path_regex: str | None = None, *, per_account: bool = False
    ) -> Throttle:
        """Add a throttle (until ``reset()``), e.g. ``sb.throttle(100, 60, r"/contacts/search$", per_account=True)``
        for Chatwoot's contact-search limit. ``path_regex`` is searched in the path (query string excluded)."""
        added = Throttle(limit, period, re.compile(path_regex) if path_regex else None, per_account)
        with self.lock:
            self._throttles.append(added)
        return added

    def _throttled(self, path: str) -> bool:
        """Rack::Attack's throttle check for one request (call with the lock held)."""
        now = self.clock()
        return any(throttle.hit(path, now) for throttle in self._throttles)

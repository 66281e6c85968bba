"""Who gets an answer: the per-user rate limit, the chat allowlist, and group addressing.

Pure decisions with no Telegram types, so they are tested without a bot:

- :class:`SlidingWindowLimiter` — at most ``count`` messages per user in any ``per_seconds``
  window; the first refused message gets a polite reply, the rest of the burst gets silence
  (answering every message of a flood with "slow down" would be a flood of our own).
- :func:`access` — an empty allowlist lets everyone in; a private chat that is not on it is
  refused politely once, a group that is not on it is ignored (a bot that speaks up in a group
  it was not set up for is noise).
- :func:`addressed_question` / :func:`command_for_bot` — in groups the bot answers only what is
  meant for it: /ask, a mention of its @username, a reply to one of its messages.
"""

from __future__ import annotations

import enum
import re
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Collection, Iterable

PRIVATE = "private"
GROUPS = ("group", "supergroup")
MAX_TRACKED = 10_000  # users / chats remembered; the least recently seen are forgotten first


class Verdict(enum.Enum):
    ALLOW = "allow"
    DENY_NOTIFY = "deny-notify"  # the first refusal of a burst: tell the user once
    DENY_SILENT = "deny-silent"


class SlidingWindowLimiter:
    """At most ``count`` events per key in any window of ``per_seconds`` seconds.

    Refused events are not counted, so a user who keeps sending is let in again as soon as
    their oldest counted message leaves the window.
    """

    def __init__(
        self,
        count: int,
        per_seconds: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = MAX_TRACKED,
    ) -> None:
        if count < 1 or per_seconds <= 0:
            raise ValueError("count must be ≥ 1 and per_seconds > 0")
        self.count = count
        self.per_seconds = per_seconds
        self._clock = clock
        self._max_keys = max_keys
        self._events: OrderedDict[int, deque[float]] = OrderedDict()
        self._notified: set[int] = set()

    def check(self, key: int) -> Verdict:
        """Count one event for ``key`` if the window has room; say what to do with it."""
        now = self._clock()
        events = self._events.get(key)
        if events is None:
            events = self._events[key] = deque()
            if len(self._events) > self._max_keys:
                old, _ = self._events.popitem(last=False)
                self._notified.discard(old)
        self._events.move_to_end(key)
        while events and events[0] <= now - self.per_seconds:
            events.popleft()
        if len(events) < self.count:
            events.append(now)
            self._notified.discard(key)
            return Verdict.ALLOW
        if key in self._notified:
            return Verdict.DENY_SILENT
        self._notified.add(key)
        return Verdict.DENY_NOTIFY

    def retry_in(self, key: int) -> float:
        """Seconds until ``key`` may send again (0 when it may now)."""
        events = self._events.get(key)
        if not events or len(events) < self.count:
            return 0.0
        return max(0.0, events[0] + self.per_seconds - self._clock())


class Access(enum.Enum):
    ANSWER = "answer"
    REFUSE = "refuse"  # say once, politely, that this bot is not open to the chat
    IGNORE = "ignore"  # say nothing


class Allowlist:
    """Chat ids allowed to use the bot (empty = everyone); remembers whom it has refused."""

    def __init__(self, chat_ids: Iterable[int], *, max_refused: int = MAX_TRACKED) -> None:
        self.chat_ids = frozenset(chat_ids)
        self._refused: OrderedDict[int, None] = OrderedDict()
        self._max_refused = max_refused

    def access(self, chat_id: int, chat_type: str) -> Access:
        """What to do with a message from ``chat_id``: answer, refuse once, or ignore."""
        decision = access(chat_id, chat_type, self.chat_ids)
        if decision is not Access.REFUSE:
            return decision
        if chat_id in self._refused:
            return Access.IGNORE
        self._refused[chat_id] = None
        if len(self._refused) > self._max_refused:
            self._refused.popitem(last=False)
        return Access.REFUSE


def access(chat_id: int, chat_type: str, allowed: Collection[int]) -> Access:
    """The allowlist rule without memory: private chats are refused, anything else ignored."""
    if not allowed or chat_id in allowed:
        return Access.ANSWER
    return Access.REFUSE if chat_type == PRIVATE else Access.IGNORE


def addressed_question(
    text: str,
    chat_type: str,
    bot_username: str,
    *,
    mentions: Iterable[str] = (),
    replies_to_bot: bool = False,
) -> str | None:
    """The question a message asks the bot, or None when the message is not meant for it.

    ``mentions`` are the @mention entities of the message (as written). In a private chat every
    text is a question; in a group only a mention of the bot or a reply to the bot is, and the
    mention itself is dropped from the question.
    """
    if chat_type == PRIVATE:
        return text.strip()
    if chat_type not in GROUPS:
        return None
    handle = f"@{bot_username}".lower()
    if bot_username and any(m.lower() == handle for m in mentions):
        return re.sub(re.escape(handle), " ", text, flags=re.IGNORECASE).strip()
    if replies_to_bot:
        return text.strip()
    return None


def command_for_bot(text: str, bot_username: str) -> bool:
    """Whether ``/cmd`` or ``/cmd@name`` at the start of ``text`` is addressed to this bot.

    In groups, ``/start@otherbot`` belongs to another bot; a bare ``/start`` goes to every bot.
    """
    m = re.match(r"/[A-Za-z0-9_]{1,32}(?:@(\w+))?(?:\s|$)", text)
    if not m:
        return False
    return m.group(1) is None or m.group(1).lower() == bot_username.lower()

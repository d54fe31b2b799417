"""Home Assistant binary occupancy sensors: plain `ON` / `OFF` on their state topic."""

from __future__ import annotations

from datetime import datetime

from sensors.formats.fields import adapter, load_text, reading
from sensors.formats.reading import PayloadRejected, Reading

_STATES = {"on": True, "off": False}
# What HA's statestream publishes when it knows nothing; counted as empty, not as an error.
_NO_STATE = frozenset({"unavailable", "unknown", "none"})


@adapter
def parse_homeassistant(payload: bytes, *, received_at: datetime) -> Reading:
    """Decode `ON`/`OFF` in any letter case; an empty payload (entity removed) is `empty`.

    Only HA's own default payloads are accepted: a device configured with other ones (`1`,
    `true`, `occupied`) needs its own mapping, and guessing would turn typos into presence.
    """
    state = load_text(payload).lower()
    if not state or state in _NO_STATE:
        raise PayloadRejected("empty", state)
    if state not in _STATES:
        raise PayloadRejected("malformed", f"state {state[:20]!r}")
    return reading(observed_at=received_at, present=_STATES[state])

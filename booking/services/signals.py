"""What one use case tells others without importing them: blinker signals, connected by init_app.

Booking a slot and offering it to the waitlist need each other: the waitlist books holds through
the booking service, and a cancellation frees a slot the waitlist wants. The booking side only
says what happened; the waitlist listens.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# A booking stopped taking its space (cancelled, rejected, expired, released), after its commit.
# Sent with the booking as sender and ``now=``.
slot_freed = _signals.signal("slot-freed")

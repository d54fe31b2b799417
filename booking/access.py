"""Who may see and change what: staff, or your own organisation. One policy, asked everywhere.

Companies see their own bookings (and waitlist entries, webhooks, figures) in full and
others' only as "busy"; staff see everything. A person's own account things (tokens, feeds)
are theirs, or staff's. Pure: an actor is anything with ``is_staff``, ``id`` and
``organisation_id``; queries are narrowed with whatever column the caller names.
"""

from __future__ import annotations

from typing import Any, Protocol


class Actor(Protocol):
    id: int
    is_staff: bool
    organisation_id: int | None


def own_organisation(actor: Actor) -> int | None:
    """The organisation an actor is limited to, or None for staff, who are not limited."""
    return None if actor.is_staff else actor.organisation_id


def may_see(actor: Actor, organisation_id: int | None) -> bool:
    """Staff, or someone of the organisation the thing belongs to."""
    return actor.is_staff or (organisation_id is not None and organisation_id == actor.organisation_id)


def may_manage_user(actor: Actor, user_id: int) -> bool:
    """A person's own account things are theirs to manage, or staff's."""
    return actor.is_staff or actor.id == user_id


def visible(query: Any, column: Any, actor: Actor) -> Any:
    """``query`` narrowed to the rows the actor may see: their organisation's, unless staff."""
    own = own_organisation(actor)
    return query if own is None else query.where(column == own)

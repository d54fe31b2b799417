"""Use cases: the one layer that commits. Views, the ingest worker and jobs call these.

- ``catalog``: sites and spaces, seeding from ``config/sites.toml``
- ``accounts``: companies, users, API tokens
- ``bookings``: book, series, roadshow, confirm/approve/reject/cancel, reschedule
- ``availability``: free spaces with quotes
"""

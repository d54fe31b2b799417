"""A generated venue network for the benches: 3 sites × 60 spaces, open every day, bookable for two years."""

from __future__ import annotations

import random
from pathlib import Path

SITES = ("la-coque", "chateau-des-baumes", "carrefour-innovation")
SPACES_PER_SITE = 60
EQUIPMENT = ("screen", "videoconference", "whiteboard", "wifi", "projector", "sound-system", "stage", "streaming")
KINDS = ("meeting-room", "seminar-room", "studio", "event-hall")
HOURS = "07:00-23:00"
BUFFERS = (0, 0, 10, 15)  # minutes; never more than 15, so slots 30 minutes apart never collide


def space_slug(index: int) -> str:
    return f"room-{index:02d}"


def write_sites_file(path: Path, *, seed: int = 42) -> Path:
    """Write a sites.toml the ``seed`` command understands; the same seed gives the same file."""
    rng = random.Random(seed)
    lines = []
    for site in SITES:
        hours = ", ".join(f'{day} = "{HOURS}"' for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"))
        lines += [
            "[[sites]]",
            f'slug = "{site}"',
            f'name = "{site.replace("-", " ").title()}"',
            'city = "Provence"',
            'timezone = "Europe/Paris"',
            f"opening_hours = {{ {hours} }}",
            "",
        ]
        for i in range(1, SPACES_PER_SITE + 1):
            size = rng.choice((6, 10, 14, 24, 40, 80, 150))
            equipment = sorted(rng.sample(EQUIPMENT, rng.randint(1, 4)))
            hour = rng.choice((35, 40, 55, 60, 90, 180, 220, 350))
            lines += [
                "  [[sites.spaces]]",
                f'  slug = "{space_slug(i)}"',
                f'  name = "Room {i}"',
                f'  kind = "{rng.choice(KINDS)}"',
                f"  capacities = {{ boardroom = {max(4, size // 2)}, theatre = {size} }}",
                f"  equipment = [{', '.join(repr(e).replace(chr(39), chr(34)) for e in equipment)}]",
                f"  setup_minutes = {rng.choice(BUFFERS)}",
                f"  teardown_minutes = {rng.choice(BUFFERS)}",
                "  min_minutes = 30",
                "  max_minutes = 600",
                "  max_days_ahead = 730",
                f"  rates = {{ hour = {hour}, half_day = {hour * 3}, day = {hour * 5} }}",
                "",
            ]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path

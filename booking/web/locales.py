"""The pages' languages: French first, English on request (the choice is kept in the session)."""

LOCALES = ("fr", "en")
DEFAULT_LOCALE = "fr"

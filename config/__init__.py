"""Settings, seed data and server configuration shared by every OneXperience process."""

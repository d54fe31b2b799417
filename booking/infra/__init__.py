"""Plumbing the domain leans on but never names: column types and sessions, caches, the scheduler's
leadership lock, metrics, logs, and which addresses the service may call out to."""

"""Where the raw readings are kept: the SQL for them, per dialect, and nowhere else.

`readings` writes the ingest worker's batches. It never commits: the services do.
"""

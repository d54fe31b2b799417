"""MQTT side of the venue: topics, payload formats, the ingest worker and the simulator."""

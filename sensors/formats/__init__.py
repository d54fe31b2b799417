"""One module per sensor payload format; `sensors.payloads` is the public entry point."""

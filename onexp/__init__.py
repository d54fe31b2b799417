"""The processes of OneXperience Booking, composed above both ``booking`` and ``sensors``.

``booking`` is the web app and the domain, ``sensors`` the MQTT side; neither starts a process.
``onexp.cli`` is where the ``onexp`` command puts them together: ``serve`` (every role in one
process), ``ingest``, ``scheduler``, and the operator commands of both packages.
"""

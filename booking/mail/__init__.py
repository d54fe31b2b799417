"""E-mail: what a notice says (``notices``, ``wording``), how a message is built (``compose``,
``invitations``, ``render``) and handed over (``transport``). The use cases that write and send
messages are in ``booking.services.mail``."""

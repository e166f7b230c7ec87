"""Emailing each team's quarterly PDF pack: ``salesops send``.

``settings`` reads who gets which pack (``params/delivery.yaml``), ``smtp`` the mail server from
the environment and the connection to it, ``packs`` finds a quarter's packs, ``message`` writes
the email in the org's language, ``record`` keeps what was sent (``<quarter>/delivery.json``) and
``send`` puts them together.
"""

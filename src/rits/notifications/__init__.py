"""Notifications: what a person hears of the work that came to them (in the app always,
by e-mail as they choose). Public surface: ``services.notify`` with ``Notice``,
``services.send_digests``; apps declare their kinds of notice in ``notices.py``."""

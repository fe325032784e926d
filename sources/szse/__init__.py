"""Shenzhen Stock Exchange (深交所) disclosure of exchange ABS: see ``announcements.py`` and README.md."""

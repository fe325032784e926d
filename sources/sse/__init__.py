"""Shanghai Stock Exchange (上交所) disclosure of exchange ABS: see ``bulletins.py`` and README.md."""

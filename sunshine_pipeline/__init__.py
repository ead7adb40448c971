"""sunshine_pipeline: keeps the Arizona campaign-finance dashboard's materialized views fresh.

Importing the package does no work: no connection, no server start, no file read.
"""

__version__ = "0.1.0"

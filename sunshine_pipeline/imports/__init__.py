"""Landing files → base tables (see loader.py); Dagster assets in assets.py."""

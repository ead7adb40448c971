"""The nine dashboard views: declaration (catalog.py), refresh logic (refresh.py), assets."""

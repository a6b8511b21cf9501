"""Models arrive with their capability issue."""

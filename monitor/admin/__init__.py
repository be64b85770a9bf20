"""Brands and sources managed through the API and the dashboard (the TOML file only seeds them)."""

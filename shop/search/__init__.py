"""Korean product search: app-maintained character grams, index-backed on SQLite and PostgreSQL."""

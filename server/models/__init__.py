"""ORM tables and API schemas."""

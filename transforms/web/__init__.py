"""Plain web logic (no Beam): the HTTP client, feed dates and web archives."""

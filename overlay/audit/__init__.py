"""``overlay audit``: what every district of a province sent, checked in one table."""

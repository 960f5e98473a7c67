"""Models of the findings app."""

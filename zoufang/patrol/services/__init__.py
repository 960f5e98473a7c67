"""The patrol's writes: running the rules, deciding flags, the rectification notices."""

"""The research pages: `topics` (topics, activities, problems, reports, the public's words)
and `questionnaires`."""

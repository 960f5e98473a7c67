"""State changes of the research, by concern: `topics` (topics, activities, problems and
what they become), `reports` (the final report and its review), `questionnaires`
(publishing, answering)."""

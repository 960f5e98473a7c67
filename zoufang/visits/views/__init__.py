"""Big-visit pages, one module per page family (urls.py names them):

- `today`: a team member's list for today;
- `record`: recording a visit on a phone (the form, a refused submission given back);
- `tasks`: a task's page and appointment, a beat's task list, generating and reassigning;
- `visit`: a visit's page and its photos;
- `coverage`: coverage (底数清), the unvisited addresses and their export, corrections.

Interfaces only: parse → check access (`visits.access`) → call a service or selector → render.
"""

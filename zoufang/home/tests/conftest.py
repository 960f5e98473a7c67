"""The home pages read every app: the visits tests' records (the findings catalog, addresses
of beats A and B, their visit tasks) are shared here."""

from zoufang.visits.tests.conftest import catalog, places, tasks  # noqa: F401 (fixtures)

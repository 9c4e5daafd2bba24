"""Body-worn recorders: who carried which on which day, their clips docked or ingested, linked
to the visit they belong to or queued for a supervisor's review."""

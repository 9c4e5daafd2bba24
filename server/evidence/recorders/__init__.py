"""Body-worn recorders (docs/evidence.md): who carried which on which day, and their clips.

- models and registry: recorders, and who carried one on a day;
- ingest: one clip stored as evidence (cliptime reads when it started) and placed, linked to
  the visit matching finds for it or queued with the reason;
- dock: the dock PC's streamed form of clips, each through ingest;
- review and console: the queue of clips that matched no visit, and its pages.
"""

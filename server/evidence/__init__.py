"""Evidence: the original files an inspection relies on, kept write-once for their retention.

- `tus/`: the phone's uploads over tus 1.0, resumable and verified, until the last byte becomes
  evidence;
- `recorders/`: body-worn recorders, who carried which, their clips docked or ingested and
  linked to their visits, and the review queue for the rest;
- here, what both share: the evidence records and their service (models, service, schemas),
  who may see them (facts, viewing), links and derived copies of the originals (links,
  derived, images), retention and legal holds (retention, jobs), file types and names (sniff,
  filenames), photos from the public (public_photos), the evidence API (routes) and the
  `onevisit evidence` commands (cli).

docs/evidence.md tells how an upload flows and where each rule lives.
"""

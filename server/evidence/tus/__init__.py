"""The phone's uploads over tus 1.0, from the creation request to the evidence the last byte
becomes (docs/evidence.md walks through it).

- routes: the endpoint; protocol reads and writes its headers;
- uploads: starting an upload (metadata reads what the phone declares) and taking a PATCH;
- offsets: where an upload stands and what may be appended to it, the one home of that rule;
- receiver: one PATCH, hashed as it arrives (hashstate), gathered into parts in a buffer from
  the process's budget (spool), stored and committed (store);
- checks: what a file must pass (its type, its hash, a picture's size); finish: the last byte,
  stored write-once and made evidence; discard: uploads rejected, terminated or expired, and
  what they left in storage;
- models: the tables of uploads in flight; env: what all this needs from the app; errors.
"""

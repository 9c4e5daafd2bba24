"""The kernel every domain builds on; it imports no domain."""

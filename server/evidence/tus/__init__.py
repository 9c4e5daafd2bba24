"""The phone's uploads over tus 1.0: from the creation request to the evidence the last byte
becomes."""

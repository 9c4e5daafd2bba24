"""OneVisit: the field-inspection system of a district's joint-inspection reform."""

__version__ = "0.1.0"

"""Use cases (enrol, identify, check in, reports) over domain, vision and storage."""

"""api: the FastAPI layer over the stores and the scores (versioned JSON, the investigator UI,
the committee report). It holds no business logic a CLI user could not also reach."""

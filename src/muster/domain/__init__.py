"""Pure types and rules. Nothing here imports dlib, FastAPI or SQLAlchemy."""

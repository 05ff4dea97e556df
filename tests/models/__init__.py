"""Models tier: dlib models on the real faces in ../shared/faces (a package, so its conftest
has its own name)."""

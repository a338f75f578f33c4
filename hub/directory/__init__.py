"""The one user directory: centers, departments, staff, tokens."""

"""Data that ships inside the package (kept as Python so no package-data setup is needed)."""

"""Analysis: data in, data out. The published targets and how they are read from runs (assays,
autopsies), the organotropism analysis, and the model's closed forms (``theory``). Validation and
calibration both use it; it runs nothing itself."""

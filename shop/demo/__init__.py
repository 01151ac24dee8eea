"""Demo and benchmark data: `flask --app shop seed-demo` (a realistic mall) and `seed-bench` (volume)."""

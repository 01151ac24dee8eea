"""HTTP layer: one blueprint per audience. Views parse input, call a service and render."""

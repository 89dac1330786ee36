"""The district's scoring of its member units: the rules file, the per-unit table and the 70-point engine."""

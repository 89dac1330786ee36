"""The bottom layer: errors, paths, months, numbers, file helpers, masking and wording, used by every stage."""

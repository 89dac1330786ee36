"""Reading the platform's exports and the project's data files: headers, sheets, validation, the unit directory and settings."""

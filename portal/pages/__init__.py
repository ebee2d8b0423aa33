"""Pages everyone sees: home, getting help, staying safe, and the quick exit."""

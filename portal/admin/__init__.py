"""The admin area: staff and admin accounts, and nothing about the people who use the site."""

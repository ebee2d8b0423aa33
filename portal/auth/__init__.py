"""Free accounts: register, sign in and out, and get back in after forgetting a password."""

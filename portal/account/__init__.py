"""The signed-in person's own account: settings, devices, recovery codes and deletion."""

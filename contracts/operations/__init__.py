"""Events every service publishes about its own operation (parked and replayed messages)."""

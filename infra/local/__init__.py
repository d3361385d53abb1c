"""Local stand-ins for AWS and third-party services, run on 127.0.0.1 without Docker."""

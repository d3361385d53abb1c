"""Use cases: each one reads, decides with the domain, writes, and reports what happened."""

"""Everything that talks to the outside world: Postgres, SQS, the rate limiter, providers."""

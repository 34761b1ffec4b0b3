"""Cold start and per-request cost of the Lambda functions, against a bare handler and stock Connexion (make bench)."""

"""TaskTracker API: spec-first task tracker on Connexion, Lambda and DynamoDB."""

__version__ = "1.0.0"

"""Powertools Logger: JSON lines with the correlation id (never the API key)."""

from __future__ import annotations

import os

from aws_lambda_powertools import Logger

SERVICE_NAME = os.environ.get("POWERTOOLS_SERVICE_NAME", "tasktracker")
logger = Logger(service=SERVICE_NAME)

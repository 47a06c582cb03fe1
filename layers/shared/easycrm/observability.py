"""Powertools Logger, Tracer and Metrics, set up once for every function.

Logs go to stderr (CloudWatch collects both streams in Lambda), so command-line tools that print
JSON on stdout stay parseable.
"""

import logging

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger(logger_handler=logging.StreamHandler())
tracer = Tracer()
metrics = Metrics()

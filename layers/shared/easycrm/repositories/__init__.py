"""The only modules that touch DynamoDB."""

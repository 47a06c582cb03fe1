"""Everything that touches boto3 or HTTP: DynamoDB repositories, S3, SQS and the DeepSeek client."""

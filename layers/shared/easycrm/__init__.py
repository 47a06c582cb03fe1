"""Easy CRM's shared layer, grouped by what each part does.

- importing/: a file's rows → standardized, de-duplicated leads (reading, columns, rules, splitter, importer)
- uploads/: an upload's life: states, exactly-once accounting, the status service, the backstop
- leads/: reading the lead list: query plans, export, stats
- chat/: plain-language questions answered read-only from the leads
- adapters/: the only code that touches boto3 or HTTP (DynamoDB, S3, SQS, DeepSeek)
- http/: the REST plumbing: the resolver, the one error shape, request reading
- settings, errors, models, ports: what every part shares; wiring: the composition root

docs/architecture.md maps each template resource to its handler and these modules.
"""

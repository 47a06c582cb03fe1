"""Easy CRM shared layer: the lead domain, its rules and the AWS adapters."""

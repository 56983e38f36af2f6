output "table_name" {
  description = "Name of the idempotency table (Powertools' table_name)."
  value       = aws_dynamodb_table.this.name
}

output "table_arn" {
  description = "ARN of the idempotency table: pass it as idempotency_table_arn of the consumer."
  value       = aws_dynamodb_table.this.arn
}

output "bus_name" {
  description = "Name of the event bus."
  value       = aws_cloudwatch_event_bus.this.name
}

output "bus_arn" {
  description = "ARN of the event bus."
  value       = aws_cloudwatch_event_bus.this.arn
}

output "archive_arn" {
  description = "ARN of the bus archive, or null when no archive is configured."
  value       = one(aws_cloudwatch_event_archive.this[*].arn)
}

output "bus_policy" {
  description = "JSON of the bus resource policy, or null when no producer has external principals."
  value       = one(aws_cloudwatch_event_bus_policy.this[*].policy)
}

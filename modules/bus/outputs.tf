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

output "producer_role_policies" {
  description = "For each producer role of another account (key: `<producer> <role ARN>`): the IAM policy that account attaches to it (PutEvents on this bus with the producer's source only; the bus policy already lets it in). Roles of this account have it attached here."
  value = {
    for key, r in local.producer_roles : key => {
      producer = r.producer
      role_arn = r.arn
      policy   = local.producer_policies[key]
    } if r.account != local.account
  }
}

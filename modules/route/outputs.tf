output "rule_arn" {
  description = "ARN of the rule: pass it in allowed_rule_arns of every consumer it targets."
  value       = aws_cloudwatch_event_rule.this.arn
}

output "rule_name" {
  description = "Name of the rule."
  value       = aws_cloudwatch_event_rule.this.name
}

output "target_ids" {
  description = "Ids of the rule's targets."
  value       = sort(keys(aws_cloudwatch_event_target.this))
}

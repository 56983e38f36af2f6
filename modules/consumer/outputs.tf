output "queue_url" {
  description = "URL of the main queue."
  value       = aws_sqs_queue.this.id
}

output "queue_arn" {
  description = "ARN of the main queue (the rule targets' arn)."
  value       = aws_sqs_queue.this.arn
}

output "queue_name" {
  description = "Name of the main queue (with .fifo for FIFO)."
  value       = aws_sqs_queue.this.name
}

output "dlq_url" {
  description = "URL of the redrive DLQ (processing failures)."
  value       = aws_sqs_queue.dlq.id
}

output "dlq_arn" {
  description = "ARN of the redrive DLQ (processing failures)."
  value       = aws_sqs_queue.dlq.arn
}

output "target_dlq_url" {
  description = "URL of the target DLQ (EventBridge delivery failures; always standard)."
  value       = aws_sqs_queue.target_dlq.id
}

output "target_dlq_arn" {
  description = "ARN of the target DLQ: pass it as dead_letter_arn of every rule target that points at this queue."
  value       = aws_sqs_queue.target_dlq.arn
}

output "role_name" {
  description = "Name of the role that received the consume policy, or null when none did."
  value       = local.create_iam ? local.role_name : null
}

output "event_source_mapping_uuid" {
  description = "UUID of the Lambda event source mapping, or null when there is no Lambda consumer."
  value       = one(aws_lambda_event_source_mapping.this[*].uuid)
}

output "cross_account_role_policy" {
  description = "For a consuming role in another account (role_arn): the IAM policy that account must attach to it (this queue's policy already lets it in). null otherwise."
  value       = local.cross_account ? local.consume_policy : null
}

output "topic_arn" {
  description = "ARN of the topic: pass it in alarm_actions of the consumer and route modules."
  value       = aws_sns_topic.this.arn
}

output "topic_name" {
  description = "Name of the topic."
  value       = aws_sns_topic.this.name
}

output "subscriptions" {
  description = "Per subscription (`email:ADDRESS`, `https:URL`): its ARN and whether it still waits for confirmation."
  value = {
    for key, sub in aws_sns_topic_subscription.this : key => {
      arn                  = sub.arn
      pending_confirmation = sub.pending_confirmation
    }
  }
}

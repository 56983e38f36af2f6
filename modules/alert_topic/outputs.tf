output "topic_arn" {
  description = "ARN of the topic: pass it in alarm_actions of the consumer and route modules."
  value       = aws_sns_topic.this.arn
}

output "topic_name" {
  description = "Name of the topic."
  value       = aws_sns_topic.this.name
}

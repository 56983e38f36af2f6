output "key_arn" {
  description = "ARN of the key (give it to the consumer module as kms_master_key_id)."
  value       = aws_kms_key.this.arn
}

output "key_id" {
  description = "Id of the key."
  value       = aws_kms_key.this.key_id
}

output "alias_name" {
  description = "The key's alias, `alias/<name>`."
  value       = aws_kms_alias.this.name
}

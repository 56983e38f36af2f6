data "aws_caller_identity" "current" {}

# Deliberately NOT encrypted with alias/aws/sns: CloudWatch alarms cannot use
# that AWS-managed key, and publishing fails silently (no alarm ever arrives).
# Encryption is only possible with a customer managed key whose key policy
# admits cloudwatch.amazonaws.com (var.kms_master_key_id).
resource "aws_sns_topic" "this" {
  name              = var.name
  kms_master_key_id = var.kms_master_key_id
  tags              = var.tags
}

resource "aws_sns_topic_policy" "this" {
  arn = aws_sns_topic.this.arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "AllowCloudWatchAlarms"
      Effect    = "Allow"
      Principal = { Service = "cloudwatch.amazonaws.com" }
      Action    = "sns:Publish"
      Resource  = aws_sns_topic.this.arn
      Condition = {
        StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.current.account_id }
      }
    }]
  })
}

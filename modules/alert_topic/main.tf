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

# Where the alarms go. Email and https subscriptions need a confirmation: until it comes the
# subscription is pending and receives nothing (`pending_confirmation` in the outputs).
resource "aws_sns_topic_subscription" "this" {
  for_each = merge(
    { for e in var.email : "email:${e}" => { protocol = "email", endpoint = e } },
    { for u in var.https : "https:${u}" => { protocol = "https", endpoint = u } },
  )

  topic_arn = aws_sns_topic.this.arn
  protocol  = each.value.protocol
  endpoint  = each.value.endpoint
  # the endpoint confirms on its own (most incident tools do); Terraform does not wait for it
  endpoint_auto_confirms = false
}

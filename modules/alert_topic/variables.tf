variable "name" {
  type        = string
  description = "Name of the SNS topic (1-256 characters of [A-Za-z0-9_-]; standard topic, since alarms publish to standard topics)."

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,256}$", var.name))
    error_message = "The topic name must be 1-256 characters of letters, digits, '-' and '_' (no FIFO topic)."
  }
}

variable "kms_master_key_id" {
  type        = string
  description = "Optional CUSTOMER managed KMS key for the topic; its key policy must let cloudwatch.amazonaws.com kms:GenerateDataKey* and kms:Decrypt. null (default) leaves the topic unencrypted at rest."
  default     = null

  validation {
    condition     = var.kms_master_key_id == null ? true : !can(regex("alias/aws/sns$", var.kms_master_key_id))
    error_message = "alias/aws/sns cannot be used: CloudWatch cannot use that AWS-managed key, so alarms would silently never be delivered. Use a customer managed key whose policy admits cloudwatch.amazonaws.com, or null."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags applied to every taggable resource of this module."
  default     = {}

  validation {
    condition = alltrue([
      for k, v in var.tags :
      length(k) >= 1 && length(k) <= 128 && length(v) <= 256 &&
      can(regex("^[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*$", k)) &&
      can(regex("^[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*$", v)) &&
      !startswith(lower(k), "aws:")
    ])
    error_message = "Tag keys must be 1-128 and values 0-256 characters of letters, digits, spaces and _ . : / = + - @, and keys must not start with \"aws:\"."
  }
}

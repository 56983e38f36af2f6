variable "name" {
  type        = string
  description = "Name of the SNS topic (1-256 characters of [A-Za-z0-9_-]; standard topic, since alarms publish to standard topics)."

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,256}$", var.name))
    error_message = "The topic name must be 1-256 characters of letters, digits, '-' and '_' (no FIFO topic)."
  }
}

variable "email" {
  type        = list(string)
  description = "Email addresses subscribed to the topic. Each receives a confirmation mail from AWS and gets nothing until it confirms; A destroy removes an unconfirmed subscription from the state only (Terraform cannot delete it)."
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for e in var.email : can(regex("^[^@[:space:]]+@[^@[:space:]]+\\.[^@[:space:]]+$", e))]) && length(distinct(var.email)) == length(var.email)
    error_message = "Each email subscription must be one address, listed once."
  }
}

variable "https" {
  type        = list(string)
  description = "HTTPS endpoints subscribed to the topic (an incident tool's integration URL). The endpoint confirms the subscription by visiting the SubscribeURL of the first request SNS sends it."
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for u in var.https : startswith(u, "https://")]) && length(distinct(var.https)) == length(var.https)
    error_message = "Each https subscription must be an https:// URL, listed once."
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

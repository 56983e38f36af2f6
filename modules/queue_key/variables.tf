variable "name" {
  type        = string
  description = "Alias of the key, without the `alias/` prefix (for example the consumer's queue name)."

  validation {
    condition     = can(regex("^[A-Za-z0-9/_-]{1,250}$", var.name)) && !startswith(var.name, "aws/")
    error_message = "name must be 1-250 characters of letters, digits, `/`, `_` and `-`, and must not start with `aws/` (reserved for AWS managed keys)."
  }
}

variable "allowed_rule_arns" {
  type        = list(string)
  description = "EventBridge rules that send to the queues encrypted with this key: only they may use it through events.amazonaws.com."

  validation {
    condition     = alltrue([for arn in var.allowed_rule_arns : can(regex("^arn:aws[a-z-]*:events:[a-z0-9-]+:[0-9]{12}:rule/", arn))])
    error_message = "allowed_rule_arns must be EventBridge rule ARNs."
  }
}

variable "eventbridge_role_arn" {
  type        = string
  description = "When the bus is in another account: the execution role its rules send to the queues as; the key policy lets it generate data keys and decrypt through SQS only. The role must exist when the key is made (KMS refuses a key policy naming an unknown principal): apply the bus's account first."
  default     = null
}

variable "deletion_window_in_days" {
  type        = number
  description = "Waiting period before the key is deleted after destroy, 7-30 days."
  default     = 30

  validation {
    condition     = var.deletion_window_in_days >= 7 && var.deletion_window_in_days <= 30
    error_message = "deletion_window_in_days must be in 7-30."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags for the key."
  default     = {}
}

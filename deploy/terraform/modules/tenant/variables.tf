variable "slug" {
  type        = string
  description = "Lowercase id: the tenant answers on <slug>.<base domain>. Changing it replaces the tenant."
}

variable "name" {
  type        = string
  description = "Display name."
}

variable "plan" {
  type        = string
  default     = "standard"
  description = "The plan's name."
}

variable "domains" {
  type        = set(string)
  default     = []
  description = "Custom domains set by the provider (verified at once)."
}

variable "api_rate_limit" {
  type        = number
  default     = 0
  description = "Requests per caller per window; 0: the plan's or the deployment's."
}

variable "suspended" {
  type        = bool
  default     = false
  description = "Suspend the tenant (its hosts answer 403, its live publishers are dropped)."
}

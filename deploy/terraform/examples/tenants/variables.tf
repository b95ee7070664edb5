variable "argus_url" {
  type        = string
  default     = null
  description = "The provider API, e.g. http://provider.localhost:8000 (default: ARGUS_PROVIDER_URL)."
}

variable "tenants" {
  description = "slug => settings"
  type = map(object({
    name      = string
    plan      = optional(string, "standard")
    domains   = optional(set(string), [])
    suspended = optional(bool, false)
  }))
  default = {
    acme = {
      name    = "Acme Security"
      plan    = "professional"
      domains = ["cams.acme.test"]
    }
    globex = {
      name = "Globex Monitoring"
    }
  }
}

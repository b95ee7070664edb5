# Tenants as Terraform resources, through the provider API (PUT is idempotent create-or-update).
#
#   terraform apply -var 'provider_key=argus_pk_...' -var 'argus_url=https://provider.cams.example.com'
#
# Uses the community "restapi" provider; the provider API's PUT/GET/DELETE on
# /provider/v1/tenants/{slug} map one to one onto create/read/delete.

terraform {
  required_providers {
    restapi = {
      source  = "Mastercard/restapi"
      version = "~> 1.19"
    }
  }
}

variable "argus_url" {
  type        = string
  description = "Base URL of the provider API host, e.g. https://provider.cams.example.com"
}

variable "provider_key" {
  type      = string
  sensitive = true
}

variable "tenants" {
  description = "slug => settings"
  type = map(object({
    name    = string
    plan    = optional(string, "standard")
    domains = optional(list(string), [])
  }))
  default = {}
}

provider "restapi" {
  uri                  = var.argus_url
  write_returns_object = true
  id_attribute         = "slug"
  create_method        = "PUT"
  update_method        = "PUT"
  headers = {
    Authorization = "Bearer ${var.provider_key}"
    Content-Type  = "application/json"
  }
}

resource "restapi_object" "tenant" {
  for_each     = var.tenants
  path         = "/provider/v1/tenants"
  create_path  = "/provider/v1/tenants/${each.key}"
  object_id    = each.key
  data = jsonencode({
    name    = each.value.name
    plan    = each.value.plan
    domains = each.value.domains
  })
  ignore_changes_to = ["state", "created_at", "updated_at", "id", "db_cluster"]
}

output "tenants" {
  value = { for slug, t in restapi_object.tenant : slug => jsondecode(t.api_response).state }
}
